/**
 * The server end of RTMPT, transport-neutral: requests in, responses out, one `ByteDuplex` per session
 * for an `RtmpServerSession`. Mount it on any HTTP server (`node/rtmpt-http.ts` for Node's). Same rules
 * as the client side (notes §4): POST with `application/x-fcs`, `/open/1`, then `/send|idle|close/<id>/<seq>`
 * with consecutive sequence numbers; every reply but open's starts with the polling hint.
 */
import type { ByteDuplex } from '../duplex';
import { concatBytes } from '../concat-bytes';
import { RTMPT_CONTENT_TYPE } from './rtmpt-duplex';
import { defaultRandom } from '../handshake';
import { GLOBAL_TIMERS, Timers } from '../timers';

export interface RtmptRequest {
  readonly method: string;
  /** Path below the tunnel's mount point: `/open/1`, `/send/<id>/<seq>`… */
  readonly path: string;
  readonly contentType: string | null;
  readonly body: Uint8Array;
}

export interface RtmptResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

export interface RtmptServerOptions {
  /** Called with each new session's duplex (wrap it in an `RtmpServerSession`). */
  readonly onSession: (duplex: ByteDuplex) => void;
  readonly maxSessions?: number;
  /** A session without a request for this long is closed (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** Server→client bytes waiting for a poll beyond which the session is closed (default 1 MiB). */
  readonly maxPendingBytes?: number;
  readonly timers?: Timers;
  /** Session-id entropy; a session id is the only thing that lets a request into a session. */
  readonly random?: (length: number) => Uint8Array;
  /**
   * Put before every session id (URL-safe characters), so that a front serving several such servers can
   * tell from a request's path which one holds its session (the gateway's workers: `w1-…`).
   */
  readonly idPrefix?: string;
}

const EMPTY = new Uint8Array(0);
/** Red5/rtmplite back-off after runs of ten empty replies; 0x21 ≈ 0.5 s (notes §4). */
const IDLE_INTERVALS = [0x01, 0x03, 0x05, 0x09, 0x11, 0x21];

class RtmptSession implements ByteDuplex {
  onData: ((bytes: Uint8Array) => void) | null = null;
  onClose: ((error?: Error) => void) | null = null;
  expectedSequence = 0;
  emptyReplies = 0;
  closedByServer = false;
  idleTimer: unknown;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(
    readonly id: string,
    private readonly maxPendingBytes: number,
    private readonly terminate: (session: RtmptSession, error?: Error) => void,
  ) {}

  get bufferedAmount(): number {
    return this.pendingBytes;
  }

  write(bytes: Uint8Array): void {
    if (this.closedByServer) return;
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > this.maxPendingBytes) this.terminate(this, new Error('RTMPT client stopped polling'));
  }

  /** The RTMP side is done: what is pending still goes out with the next poll. */
  close(): void {
    this.closedByServer = true;
  }

  drain(): Uint8Array {
    if (this.pendingBytes === 0) return EMPTY;
    const data = concatBytes(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return data;
  }
}

export class RtmptServer {
  private readonly sessions = new Map<string, RtmptSession>();
  private readonly timers: Timers;

  constructor(private readonly options: RtmptServerOptions) {
    this.timers = options.timers ?? GLOBAL_TIMERS;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  handle(request: RtmptRequest): RtmptResponse {
    if (request.method !== 'POST') return reply(405);
    // rtmplite drops anything but exactly this type; parameters are tolerated here.
    if ((request.contentType ?? '').split(';')[0].trim().toLowerCase() !== RTMPT_CONTENT_TYPE) return reply(415);
    const parts = request.path.split('?')[0].split('/').filter(Boolean);
    if (parts.length === 2 && parts[0] === 'open' && parts[1] === '1') return this.open();
    if (parts.length !== 3 || !['send', 'idle', 'close'].includes(parts[0])) return reply(404); // incl. /fcs/ident2: clients go on
    const session = this.sessions.get(parts[1]);
    if (!session) return reply(404);
    if (!/^\d{1,15}$/.test(parts[2]) || Number(parts[2]) !== session.expectedSequence) return reply(400);
    session.expectedSequence++;
    this.touch(session);
    if (parts[0] === 'close') {
      this.remove(session, undefined);
      return reply(200, new Uint8Array([0]));
    }
    if (parts[0] === 'send' && !session.closedByServer && request.body.length > 0) session.onData?.(request.body);
    if (!this.sessions.has(session.id)) return reply(404); // the data made the session terminate
    const data = session.drain();
    let interval = IDLE_INTERVALS[0];
    if (data.length > 0) session.emptyReplies = 0;
    else interval = IDLE_INTERVALS[Math.min(IDLE_INTERVALS.length - 1, Math.floor(++session.emptyReplies / 10))];
    if (session.closedByServer) this.remove(session, undefined); // its last bytes leave with this reply
    const body = new Uint8Array(1 + data.length);
    body[0] = interval;
    body.set(data, 1);
    return reply(200, body);
  }

  /** Closes every session. */
  close(): void {
    for (const session of [...this.sessions.values()]) this.remove(session, new Error('RTMPT server closed'));
  }

  private open(): RtmptResponse {
    if (this.sessions.size >= (this.options.maxSessions ?? 1000)) return reply(503);
    const id = (this.options.idPrefix ?? '') + [...(this.options.random ?? defaultRandom)(16)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const session = new RtmptSession(id, this.options.maxPendingBytes ?? 1024 * 1024, (s, error) => this.remove(s, error));
    this.sessions.set(id, session);
    this.touch(session);
    this.options.onSession(session);
    return reply(200, new TextEncoder().encode(`${id}\n`));
  }

  private touch(session: RtmptSession): void {
    this.timers.clearTimeout(session.idleTimer);
    const timeoutMs = this.options.idleTimeoutMs ?? 30_000;
    session.idleTimer = this.timers.setTimeout(() => this.remove(session, new Error(`RTMPT session idle for ${timeoutMs} ms`)), timeoutMs);
  }

  private remove(session: RtmptSession, error: Error | undefined): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.timers.clearTimeout(session.idleTimer);
    session.closedByServer = true;
    const callback = session.onClose;
    session.onClose = null;
    callback?.(error);
  }
}

function reply(status: number, body: Uint8Array = EMPTY): RtmptResponse {
  return { status, contentType: RTMPT_CONTENT_TYPE, body };
}
