/**
 * Where an RTMP registration goes. The page gives `rtmpUrl: 'rtmp://host[:port]/sip'` (the 2014
 * option); siprtmp takes the address of record as the connect path (`rtmp://host/sip/user@realm`).
 * Browsers cannot open TCP, so they reach the same gateway through its HTTP port (1936 by default):
 * the WebSocket tunnel at `/rtmp`, then RTMPT at `/` when the WebSocket cannot open.
 */
import { parseRtmpUrl } from '../../../protocol/rtmp/rtmp-url';

export interface RtmpEndpoints {
  /** `rtmp://host[:port]/sip/user@realm`: the connect URL (tcUrl) whatever carries the bytes */
  connectUrl: string;
  host: string;
  /** the TCP port (Node) */
  port: number;
  /** the URL's scheme: `rtmpt(s)` asks for the HTTP tunnel directly */
  protocol: 'rtmp' | 'rtmps' | 'rtmpt' | 'rtmpts';
  /** `ws(s)://host:1936/rtmp`, or the page's `rtmpTunnelUrl` */
  webSocketUrl: string;
  /** `http(s)://host:1936` (RTMPT base) */
  rtmptUrl: string;
}

export const TUNNEL_PORT = 1936;

/**
 * @param aor `sip:user@realm` (the scheme is dropped: siprtmp adds its own)
 * @param tunnelUrl an explicit WebSocket tunnel URL; its host and port also serve RTMPT
 * @param secure use wss/https (a page served over https cannot open ws/http)
 */
export function rtmpEndpoints(rtmpUrl: string, aor: string, tunnelUrl: string | undefined, secure: boolean): RtmpEndpoints {
  const url = parseRtmpUrl(rtmpUrl);
  const app = url.app.split('/')[0] || 'sip';
  const hostPort = url.host.includes(':') ? `[${url.host}]` : url.host;
  const portPart = /^[a-z]+:\/\/(\[[^\]]*\]|[^/:?#]+):\d+/i.test(url.tcUrl) ? `:${url.port}` : '';
  const scope = aor.replace(/^sips?:/i, '');
  const tlsUrl = url.protocol === 'rtmps' || url.protocol === 'rtmpts';
  const s = secure || tlsUrl ? 's' : '';
  const webSocketUrl = tunnelUrl?.trim() || `ws${s}://${hostPort}:${TUNNEL_PORT}/rtmp`;
  return {
    connectUrl: `${url.protocol}://${hostPort}${portPart}/${app}/${scope}`,
    host: url.host,
    port: url.port,
    protocol: url.protocol,
    webSocketUrl,
    // an rtmpt:// URL names the RTMPT server itself; otherwise RTMPT shares the tunnel's HTTP port
    rtmptUrl: url.protocol === 'rtmpt' || url.protocol === 'rtmpts' ? `http${s}://${hostPort}:${url.port}` : tunnelOrigin(webSocketUrl),
  };
}

/** `wss://h:p/path` → `https://h:p`: RTMPT shares the tunnel's HTTP port. */
function tunnelOrigin(webSocketUrl: string): string {
  const m = /^ws(s?):\/\/([^/?#]+)/i.exec(webSocketUrl);
  return m ? `http${m[1].toLowerCase()}://${m[2]}` : webSocketUrl.replace(/\/+$/, '');
}
