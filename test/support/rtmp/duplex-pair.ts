import type { ByteDuplex } from '../../../protocol/rtmp/duplex';

/**
 * Two connected in-memory duplexes. Delivery is asynchronous (a microtask), like a socket, so a test
 * sees the same re-entrancy as on a network.
 */
export function createDuplexPair(): [ByteDuplex, ByteDuplex] {
  const make = (): ByteDuplex & { peer: ByteDuplex | null; closed: boolean } => ({
    peer: null,
    closed: false,
    onData: null,
    onClose: null,
    write(bytes: Uint8Array) {
      if (this.closed) return;
      const copy = bytes.slice();
      const peer = this.peer as ReturnType<typeof make>;
      queueMicrotask(() => {
        if (!peer.closed) peer.onData?.(copy);
      });
    },
    close() {
      if (this.closed) return;
      this.closed = true;
      const peer = this.peer as ReturnType<typeof make>;
      queueMicrotask(() => {
        this.onClose?.();
        if (!peer.closed) {
          peer.closed = true;
          peer.onClose?.();
        }
      });
    },
  });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
