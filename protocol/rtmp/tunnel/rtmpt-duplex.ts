/**
 * RTMPT (HTTP tunnelling) as a `ByteDuplex`, with `fetch` (browsers and Node 20). The rules rtmplite's
 * `rtmpt.py` enforces (notes §4): POST only, `Content-Type: application/x-fcs` exactly, the sequence
 * number restarts at 0 after `/open/1` and goes up by one per request, one request in flight; every
 * reply starts with the server's polling hint. A browser needs the tunnel on the page's origin or CORS
 * headers from the gateway (`application/x-fcs` is not CORS-safelisted).
 */
import { ByteDuplex, DuplexBase } from '../duplex';
import { concatBytes } from '../concat-bytes';

export interface FetchResponseLike {
  readonly ok: boolean;
  readonly status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type FetchLike = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: ArrayBuffer; signal?: AbortSignal }) => Promise<FetchResponseLike>;

export interface RtmptOptions {
  /** Defaults to the global `fetch`. */
  readonly fetch?: FetchLike;
  /** Shortest wait between empty polls (default 20 ms: one voice frame). */
  readonly minPollMs?: number;
  /** Longest wait between polls whatever the server's hint (default 250 ms). */
  readonly maxPollMs?: number;
  /** Milliseconds per unit of the server's interval byte (Shumway: 16). */
  readonly intervalUnitMs?: number;
  /** A request without an answer in this long fails the tunnel (default 15 s). */
  readonly requestTimeoutMs?: number;
}

export const RTMPT_CONTENT_TYPE = 'application/x-fcs';
const IDLE_BODY = new Uint8Array([0]);

export class RtmptDuplex extends DuplexBase implements ByteDuplex {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private sequence = 0;
  /** The one request in flight, if any. */
  private flight: Promise<Uint8Array> | null = null;
  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private ending = false;
  private readonly fetchImpl: FetchLike;

  constructor(
    private readonly baseUrl: string,
    readonly sessionId: string,
    private readonly options: RtmptOptions = {},
  ) {
    super();
    this.fetchImpl = options.fetch ?? defaultFetch();
    this.schedulePoll(0);
  }

  /** Bytes written but not yet posted. */
  get bufferedAmount(): number {
    return this.queued;
  }

  write(bytes: Uint8Array): void {
    if (this.ending) return;
    this.queue.push(bytes.slice());
    this.queued += bytes.length;
    if (!this.flight) this.pump();
  }

  /** Posts what is still queued, then `/close`; `onClose` follows either way. */
  close(): void {
    if (this.ending) return;
    this.ending = true;
    this.clearPoll();
    const previous = this.flight ?? Promise.resolve();
    void previous
      .catch(() => undefined)
      .then(async () => {
        const pending = this.takeQueue();
        if (pending) await this.post('send', pending);
        await this.post('close', IDLE_BODY);
      })
      .then(
        () => this.finish(undefined),
        () => this.finish(undefined),
      );
  }

  private takeQueue(): Uint8Array | null {
    if (this.queue.length === 0) return null;
    const body = concatBytes(this.queue);
    this.queue.length = 0;
    this.queued = 0;
    return body;
  }

  private pump(): void {
    if (this.ending || this.flight) return;
    this.clearPoll();
    const body = this.takeQueue();
    const flight = body ? this.post('send', body) : this.post('idle', IDLE_BODY);
    this.flight = flight;
    flight.then(
      (reply) => {
        this.flight = null;
        if (this.ending) return;
        // The reply's first byte is the server's polling hint; data follows it.
        const received = reply.length > 1;
        if (received) this.deliver(reply.subarray(1));
        if (this.ending) return;
        if (this.queue.length > 0) this.pump();
        else this.schedulePoll(received ? 0 : this.pollDelay(reply[0] ?? 1));
      },
      (error: unknown) => {
        this.flight = null;
        if (this.ending) return;
        this.ending = true;
        this.finish(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  private pollDelay(interval: number): number {
    const unit = this.options.intervalUnitMs ?? 16;
    const min = this.options.minPollMs ?? 20;
    const max = this.options.maxPollMs ?? 250;
    return Math.min(max, Math.max(min, interval * unit));
  }

  private schedulePoll(delayMs: number): void {
    this.clearPoll();
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      this.pump();
    }, delayMs);
  }

  private clearPoll(): void {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  /** One request of the session: `/send|idle|close/<session id>/<sequence>`. */
  private post(command: 'send' | 'idle' | 'close', body: Uint8Array): Promise<Uint8Array> {
    const url = `${this.baseUrl}/${command}/${this.sessionId}/${this.sequence++}`;
    return postFcs(this.fetchImpl, url, body, this.options.requestTimeoutMs ?? 15_000);
  }

  private finish(error: Error | undefined): void {
    this.clearPoll();
    this.closed(error);
  }
}

function defaultFetch(): FetchLike {
  const global = globalThis as { fetch?: FetchLike };
  if (typeof global.fetch !== 'function') throw new Error('RTMPT needs fetch');
  return global.fetch.bind(globalThis);
}

async function postFcs(fetchImpl: FetchLike, url: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // A fresh ArrayBuffer: fetch then sends Content-Length, which rtmpt.py needs (no chunked bodies).
    const copy = body.slice();
    const response = await fetchImpl(url, { method: 'POST', headers: { 'Content-Type': RTMPT_CONTENT_TYPE }, body: copy.buffer, signal: controller.signal });
    if (!response.ok) throw new Error(`RTMPT ${url} answered ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens an RTMPT session at `baseUrl` (e.g. `http://host:1936` or a path prefix) and returns its duplex.
 * The session id arrives as text with a newline and, unlike every later reply, no interval byte.
 */
export async function openRtmpt(baseUrl: string, options: RtmptOptions = {}): Promise<RtmptDuplex> {
  const base = baseUrl.replace(/\/+$/, '');
  const reply = await postFcs(options.fetch ?? defaultFetch(), `${base}/open/1`, IDLE_BODY, options.requestTimeoutMs ?? 15_000);
  const sessionId = new TextDecoder().decode(reply).trim();
  if (!/^[A-Za-z0-9._~-]{1,128}$/.test(sessionId)) throw new Error('RTMPT open returned no usable session id');
  return new RtmptDuplex(base, sessionId, options);
}
