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
 * Works on the browser's WebSocket and on any class with the same API (the `ws` package in Node).
 */
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
  private readonly viaTransport: string;
  private readonly sipUri: string;

  constructor(private readonly wsUrl: string, private readonly WS: WebSocketConstructor) {
    const u = new URL(wsUrl);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TypeError(`not a WebSocket URL: ${wsUrl}`);
    this.viaTransport = u.protocol === 'wss:' ? 'WSS' : 'WS';
    this.sipUri = `sip:${u.hostname}${u.port ? `:${u.port}` : ''};transport=ws`;
  }

  // ---- the JsSIP Socket interface ----
  get via_transport(): string { return this.viaTransport; }
  set via_transport(_v: string) { /* fixed by the URL scheme */ }
  get url(): string { return this.wsUrl; }
  get sip_uri(): string { return this.sipUri; }

  connect(): void {
    if (this.ws) return;
    if (!this.gateOpen) {
      this.held = true;
      return;
    }
    this.held = false;
    const ws = new this.WS(this.wsUrl, 'sip');
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => { if (this.ws === ws) this.onconnect(); };
    ws.onmessage = (ev: MessageEvent) => { if (this.ws === ws) this.receive(ev.data); };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.answerProbes(false);
      this.ondisconnect(!ev.wasClean || ev.code === 1006, ev.code, ev.reason);
    };
    ws.onerror = () => { /* a close event follows */ };
  }

  disconnect(): void {
    this.held = false;
    this.answerProbes(false);
    this.release(1000);
  }

  send(message: string): boolean {
    if (!this.isConnected() || !this.ws) return false;
    this.ws.send(message);
    return true;
  }

  isConnected(): boolean { return this.ws?.readyState === 1; }
  isConnecting(): boolean { return this.held || this.ws?.readyState === 0; }

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
