/**
 * The browser's way to the gateway: the WebSocket tunnel first (one socket, lowest latency), RTMPT over
 * fetch when the WebSocket cannot open (proxies that only pass plain HTTP requests). An `rtmpt://`
 * rtmpUrl goes to RTMPT directly.
 */
import type { ByteDuplex } from '../../../protocol/rtmp/duplex';
import { connectWebSocket, type WebSocketConstructor } from '../../../protocol/rtmp/tunnel/websocket-duplex';
import { openRtmpt } from '../../../protocol/rtmp/tunnel/rtmpt-duplex';
import type { RtmpEndpoints } from './endpoints';
import type { Logger } from '../../../src/util/logger';

const OPEN_TIMEOUT_MS = 5000;

export async function openBrowserDuplex(endpoints: RtmpEndpoints, logger: Logger): Promise<ByteDuplex> {
  const WS = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  const direct = endpoints.protocol === 'rtmpt' || endpoints.protocol === 'rtmpts';
  if (WS && !direct) {
    try {
      return await connectWebSocket(endpoints.webSocketUrl, WS, { timeoutMs: OPEN_TIMEOUT_MS });
    } catch (error) {
      logger.debug(`RTMP WebSocket tunnel ${endpoints.webSocketUrl} did not open (${(error as Error).message}): trying RTMPT`);
    }
  }
  return openRtmpt(endpoints.rtmptUrl, { requestTimeoutMs: OPEN_TIMEOUT_MS * 2 });
}

export function pageIsSecure(): boolean {
  return (globalThis as { location?: { protocol?: string } }).location?.protocol === 'https:';
}
