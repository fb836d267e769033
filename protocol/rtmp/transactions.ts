/**
 * Outstanding calls by transaction id, settled by `_result`/`_error` (§7.2.1.2). Each has a timeout,
 * so a peer that never answers (NMS answers no custom call, notes §0.5) costs a rejected promise, not a
 * leak.
 */
import { AmfValue } from './amf-values';
import { StatusInfo, asStatusInfo } from './command-messages';
import { Timers } from './timers';

export interface CallReply {
  readonly commandObject: AmfValue;
  readonly args: readonly AmfValue[];
}

export type CallErrorCode = 'error-reply' | 'timeout' | 'closed';

/** A call that did not succeed: `_error` from the peer (with its info object), no answer, or a closed connection. */
export class RtmpCallError extends Error {
  readonly code: CallErrorCode;
  readonly info: StatusInfo;

  constructor(code: CallErrorCode, info: StatusInfo) {
    super(info.description || info.code || code);
    this.name = 'RtmpCallError';
    this.code = code;
    this.info = info;
  }
}

interface Pending {
  resolve(reply: CallReply): void;
  reject(error: RtmpCallError): void;
  timer: unknown;
}

export class TransactionTable {
  private readonly pending = new Map<number, Pending>();
  private nextId: number;

  constructor(
    private readonly timers: Timers,
    firstId: number,
  ) {
    this.nextId = firstId;
  }

  get size(): number {
    return this.pending.size;
  }

  allocate(): number {
    return this.nextId++;
  }

  wait(transactionId: number, timeoutMs: number, method: string): Promise<CallReply> {
    return new Promise<CallReply>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(transactionId);
        reject(new RtmpCallError('timeout', { code: 'NetConnection.Call.Failed', description: `no answer to ${method} in ${timeoutMs} ms` }));
      }, timeoutMs);
      this.pending.set(transactionId, { resolve, reject, timer });
    });
  }

  /** Settles a waiting call; false if nobody waits for that id (a late or unsolicited reply). */
  settle(name: string, transactionId: number, commandObject: AmfValue, args: readonly AmfValue[]): boolean {
    const entry = this.pending.get(transactionId);
    if (!entry) return false;
    this.pending.delete(transactionId);
    this.timers.clearTimeout(entry.timer);
    if (name === '_result') entry.resolve({ commandObject, args });
    else entry.reject(new RtmpCallError('error-reply', asStatusInfo(args[0] ?? commandObject)));
    return true;
  }

  failAll(description: string): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      this.timers.clearTimeout(entry.timer);
      entry.reject(new RtmpCallError('closed', { code: 'NetConnection.Connect.Closed', description }));
    }
  }
}
