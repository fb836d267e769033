/**
 * The byte pipe every RTMP endpoint runs over: TCP in Node, a WebSocket tunnel or RTMPT in browsers,
 * an in-memory pair in tests. The endpoint sets `onData`/`onClose` right after construction.
 */
export interface ByteDuplex {
  write(bytes: Uint8Array): void;
  /** Flushes what was written, then closes; `onClose` follows. Idempotent. */
  close(): void;
  onData: ((bytes: Uint8Array) => void) | null;
  /** Called once, with an error if the pipe failed rather than closed. */
  onClose: ((error?: Error) => void) | null;
  /** Bytes written but not yet sent, where the pipe knows it (lets a sender drop audio instead of queueing). */
  readonly bufferedAmount?: number;
}

const EARLY_DATA_LIMIT = 1024 * 1024;

/**
 * Base for real duplexes: data or a close that arrive before the owner attaches `onData`/`onClose`
 * (a WebSocket can deliver its first frame in the same tick as `open`) are held and handed over, on the
 * next microtask, once it does. At most 1 MiB is held; beyond that the pipe closes with an error.
 */
export abstract class DuplexBase {
  private dataHandler: ((bytes: Uint8Array) => void) | null = null;
  private closeHandler: ((error?: Error) => void) | null = null;
  private early: Uint8Array[] = [];
  private earlyBytes = 0;
  private ended: { error?: Error } | null = null;
  private closeReported = false;

  get onData(): ((bytes: Uint8Array) => void) | null {
    return this.dataHandler;
  }

  set onData(handler: ((bytes: Uint8Array) => void) | null) {
    this.dataHandler = handler;
    if (handler && this.early.length > 0) queueMicrotask(() => this.flush());
  }

  get onClose(): ((error?: Error) => void) | null {
    return this.closeHandler;
  }

  set onClose(handler: ((error?: Error) => void) | null) {
    this.closeHandler = handler;
    if (handler && this.ended) queueMicrotask(() => this.flush());
  }

  /** For subclasses: bytes from the pipe. */
  protected deliver(bytes: Uint8Array): void {
    if (this.ended) return;
    if (this.dataHandler && this.early.length === 0) {
      this.dataHandler(bytes);
      return;
    }
    this.early.push(bytes.slice());
    this.earlyBytes += bytes.length;
    if (this.earlyBytes > EARLY_DATA_LIMIT) this.ended = { error: new Error('no reader attached to the duplex') };
  }

  /** For subclasses: the pipe is gone (once). */
  protected closed(error?: Error): void {
    if (this.ended) return;
    this.ended = error ? { error } : {};
    this.flush();
  }

  private flush(): void {
    if (this.dataHandler) {
      const pending = this.early;
      this.early = [];
      this.earlyBytes = 0;
      for (const bytes of pending) this.dataHandler(bytes);
    }
    if (this.ended && this.closeHandler && !this.closeReported && this.early.length === 0) {
      this.closeReported = true;
      this.closeHandler(this.ended.error);
    }
  }
}
