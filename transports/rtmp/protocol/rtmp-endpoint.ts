/** What RtmpClient and RtmpServerSession expose alike over their ConnectionCore. */
import type { ConnectionCore } from './connection-core';
import { Emitter } from './emitter';

export abstract class RtmpEndpoint<Events extends object> extends Emitter<Events> {
  protected abstract readonly core: ConnectionCore;

  /** Bytes the chunk reader holds between reads (bounded by `limits.maxBufferedBytes`). */
  get bufferedBytes(): number {
    return this.core.bufferedBytes;
  }

  /** Round trip of a User Control ping, in ms. */
  ping(timeoutMs?: number): Promise<number> {
    return this.core.ping(timeoutMs);
  }

  /** Changes the outgoing chunk size (announced to the peer first). */
  setChunkSize(size: number): void {
    this.core.setChunkSize(size);
  }

  close(): void {
    this.core.close();
  }
}
