/**
 * Two byte pipes joined: what one receives the other sends, unread (RTMP bytes are opaque here), and
 * when one closes the other is closed too. Used by the tunnel-only front: a browser's tunnel on one
 * side, a TCP connection to an existing siprtmp gateway on the other.
 */
import type { ByteDuplex } from '../protocol/rtmp/duplex';

export interface RelayOptions {
  /**
   * Bytes one side may hold unsent (the far pipe's `bufferedAmount`, or what waits for the upstream
   * connection) before the relay gives up on that session: a stalled reader cannot grow memory.
   */
  readonly maxBufferedBytes: number;
  readonly onEnd: (summary: RelaySummary) => void;
}

export interface RelaySummary {
  /** 'client closed', 'upstream closed', 'upstream unreachable: …', 'client too slow'… */
  readonly reason: string;
  /** client → upstream */
  readonly bytesUp: number;
  /** upstream → client */
  readonly bytesDown: number;
}

export interface Relay {
  /** closes both sides (onEnd follows, once) */
  close(reason: string): void;
}

/**
 * Starts relaying at once: the client's first bytes (the RTMP handshake) wait, bounded, while the
 * upstream connection opens. `connectUpstream` failing ends the session, and closes the client.
 */
export function relayDuplexes(client: ByteDuplex, connectUpstream: () => Promise<ByteDuplex>, options: RelayOptions): Relay {
  let upstream: ByteDuplex | null = null;
  let early: Uint8Array[] = [];
  let earlyBytes = 0;
  let bytesUp = 0;
  let bytesDown = 0;
  let ended = false;

  const end = (reason: string): void => {
    if (ended) return;
    ended = true;
    early = [];
    client.close();
    upstream?.close();
    options.onEnd({ reason, bytesUp, bytesDown });
  };
  /** a writer whose far side does not drain is dropped, not buffered for */
  const overflowing = (to: ByteDuplex): boolean => (to.bufferedAmount ?? 0) > options.maxBufferedBytes;

  client.onData = (bytes) => {
    if (ended) return;
    bytesUp += bytes.length;
    if (!upstream) {
      early.push(bytes.slice());
      earlyBytes += bytes.length;
      if (earlyBytes > options.maxBufferedBytes) end('client sent too much before the upstream connection opened');
      return;
    }
    upstream.write(bytes);
    if (overflowing(upstream)) end('upstream too slow');
  };
  client.onClose = (error) => end(error ? `client failed: ${error.message}` : 'client closed');

  connectUpstream().then(
    (pipe) => {
      if (ended) {
        pipe.close();
        return;
      }
      upstream = pipe;
      pipe.onData = (bytes) => {
        if (ended) return;
        bytesDown += bytes.length;
        client.write(bytes);
        if (overflowing(client)) end('client too slow');
      };
      pipe.onClose = (error) => end(error ? `upstream failed: ${error.message}` : 'upstream closed');
      for (const bytes of early) pipe.write(bytes);
      early = [];
      earlyBytes = 0;
    },
    (error: unknown) => end(`upstream unreachable: ${error instanceof Error ? error.message : String(error)}`),
  );

  return { close: end };
}
