/**
 * The WebSocket JsSIP sends SIP through (RFC 7118, sub-protocol `sip`), with two things JsSIP lacks:
 *
 * - A gate. JsSIP reconnects a dropped socket on its own schedule (2 s at the earliest, then up to
 *   30 s, forever). Our engine's reconnect monitor owns that decision (attempt count, delay, the
 *   `reconnecting_notification`s), so while the gate is shut a connect() from JsSIP is held back and
 *   only goes through when the engine opens the gate.
 * - A liveness probe: a CRLF-CRLF keep-alive (RFC 5626 §3.5.1) that the server answers with CRLF. A
 *   socket can stay OPEN and dead after a sleep or a network change; JsSIP drops the pong, so it is
 *   caught here.
 *
 * - A fast retry while a call is up. A server restart (Kamailio stopped and started again) refuses
 *   connections for a few seconds; with the engine's pace (`reconnectDelay`, 2 s at the least) the
 *   phone would come back up to 2 s after the server does, and the far end's requests meanwhile miss
 *   it. So while `fastRetry()` says a call is up, a connection that fails before it opens is retried
 *   as soon as the server answers again (asked every FAST_RETRY_MS, for up to FAST_RETRY_WINDOW_MS),
 *   inside the same engine attempt: JsSIP and the engine see one attempt (one
 *   `reconnecting_notification`), which succeeds or, after the window, fails as before.
 *   `reconnectDelay` / `reconnectMaxAttempts` keep their meaning between attempts.
 *   The server is asked with a plain HTTP request to the WebSocket's URL (`serverUp`), not by opening
 *   WebSockets: Chromium delays every new WebSocket of a page by up to seconds once many have failed
 *   (its per-process throttler grows with failures ÷ successes), so 60 refused WebSockets during a 6 s
 *   restart made the one that finally worked start ~2 s late (measured); refused fetches cost nothing.
 *
 * Works on the browser's WebSocket and on any class with the same API (the `ws` package in Node).
 */
export const FAST_RETRY_MS = 100;
/**
 * Just under the engine's attempt watchdog (RECONNECT_DEFAULTS.attemptTimeoutMs, 15 s): a Kamailio
 * restart took 8–12 s on the loaded 2-core lab machine, longer than a 10 s window (the bench then
 * waited for the engine's next attempt, `reconnectDelay` later).
 */
export const FAST_RETRY_WINDOW_MS = 14_000;

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

export class SipWebSocket {
  onconnect: () => void = () => {};
  ondisconnect: (error: boolean, code?: number, reason?: string) => void = () => {};
  ondata: (data: string) => void = () => {};

  private ws: WebSocket | null = null;
  private gateOpen = true;
  /** JsSIP asked to connect while the gate was shut */
  private held = false;
  private pongWaiters: Array<(alive: boolean) => void> = [];
  /** a fast retry is under way: waiting, or asking the server (see above) */
  private retrying = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** when this attempt's first connection failed (fast retries stop FAST_RETRY_WINDOW_MS later) */
  private failingSince = 0;
  /** whether failed connections are retried at once (the transport: a call is up) */
  fastRetry: () => boolean = () => false;
  /** whether the server answers (any HTTP answer) at the WebSocket's URL; replaced by unit tests */
  serverUp: (httpUrl: string, timeoutMs: number) => Promise<boolean> = serverAnswers;
  private readonly httpUrl: string;
  private readonly viaTransport: string;
  private readonly sipUri: string;

  constructor(private readonly wsUrl: string, private readonly WS: WebSocketConstructor) {
    const u = new URL(wsUrl);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TypeError(`not a WebSocket URL: ${wsUrl}`);
    this.viaTransport = u.protocol === 'wss:' ? 'WSS' : 'WS';
    this.sipUri = `sip:${u.hostname}${u.port ? `:${u.port}` : ''};transport=ws`;
    this.httpUrl = wsUrl.replace(/^ws/i, 'http');
  }

  // ---- the JsSIP Socket interface ----
  get via_transport(): string { return this.viaTransport; }
  set via_transport(_v: string) { /* fixed by the URL scheme */ }
  get url(): string { return this.wsUrl; }
  get sip_uri(): string { return this.sipUri; }

  connect(): void {
    if (this.ws || this.retrying) return;
    if (!this.gateOpen) {
      this.held = true;
      return;
    }
    this.held = false;
    this.failingSince = 0;
    this.open();
  }

  private open(): void {
    const ws = new this.WS(this.wsUrl, 'sip');
    this.ws = ws;
    let opened = false;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (this.ws !== ws) return;
      opened = true;
      this.onconnect();
    };
    ws.onmessage = (ev: MessageEvent) => { if (this.ws === ws) this.receive(ev.data); };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.answerProbes(false);
      if (!opened && this.retryFast()) return;
      this.ondisconnect(!ev.wasClean || ev.code === 1006, ev.code, ev.reason);
    };
    ws.onerror = () => { /* a close event follows */ };
  }

  /** a connection that never opened: try again once the server answers, unseen by JsSIP, while a call is up */
  private retryFast(): boolean {
    if (!this.fastRetry()) return false;
    if (this.failingSince === 0) this.failingSince = Date.now();
    this.retrying = true;
    this.askServer();
    return true;
  }

  private askServer(): void {
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.gateOpen || Date.now() - this.failingSince >= FAST_RETRY_WINDOW_MS) {
        this.retrying = false;
        this.ondisconnect(true, 1006, 'server not reachable');
        return;
      }
      void this.serverUp(this.httpUrl, 5 * FAST_RETRY_MS).then((up) => {
        if (!this.retrying) return; // cancelled meanwhile
        if (!up) return this.askServer();
        this.retrying = false;
        this.open();
      });
    }, FAST_RETRY_MS);
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retrying = false;
  }

  disconnect(): void {
    this.held = false;
    this.cancelRetry();
    this.answerProbes(false);
    this.release(1000);
  }

  send(message: string): boolean {
    if (!this.isConnected() || !this.ws) return false;
    this.ws.send(message);
    return true;
  }

  isConnected(): boolean { return this.ws?.readyState === 1; }
  isConnecting(): boolean { return this.held || this.retrying || this.ws?.readyState === 0; }

  // ---- for the transport ----

  /** Shut: JsSIP's own reconnects wait. Open: let them through, and release one that is waiting. */
  setGate(open: boolean): void {
    this.gateOpen = open;
    if (open && this.held) this.connect();
  }

  get isHeld(): boolean { return this.held; }

  /**
   * Closes the connection as if the network had dropped it (JsSIP sees a disconnect and re-registers
   * on the next connection) — used to replace a dead or stale socket.
   */
  drop(reason = 'replaced by a new connection'): void {
    if (this.retrying) {
      this.cancelRetry();
      this.ondisconnect(false, 4000, reason);
      return;
    }
    if (!this.release(4000, reason)) return;
    this.answerProbes(false);
    this.ondisconnect(false, 4000, reason);
  }

  /** CRLF keep-alive; resolves true when the server answers within timeoutMs. */
  probe(timeoutMs: number): Promise<boolean> {
    if (!this.isConnected() || !this.ws) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pongWaiters = this.pongWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (alive: boolean) => { clearTimeout(timer); resolve(alive); };
      this.pongWaiters.push(done);
      this.ws?.send('\r\n\r\n');
    });
  }

  /** forgets the WebSocket (its late events are ignored) and closes it; false when there was none */
  private release(code: number, reason?: string): boolean {
    const ws = this.ws;
    if (!ws) return false;
    this.ws = null;
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = () => {};
    try { ws.close(code, reason); } catch { /* already closing */ }
    return true;
  }

  private receive(data: unknown): void {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
    // any traffic proves the connection alive; a bare CRLF is only the pong, not for JsSIP
    this.answerProbes(true);
    if (text === '\r\n') return;
    this.ondata(text);
  }

  private answerProbes(alive: boolean): void {
    const waiters = this.pongWaiters;
    this.pongWaiters = [];
    for (const w of waiters) w(alive);
  }
}

/** any HTTP answer (even an error status: opaque to a no-cors fetch) means the server is up again */
async function serverAnswers(httpUrl: string, timeoutMs: number): Promise<boolean> {
  if (typeof fetch !== 'function') return true;
  const abort = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = setTimeout(() => abort?.abort(), timeoutMs);
  try {
    await fetch(httpUrl, { mode: 'no-cors', cache: 'no-store', signal: abort?.signal });
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
