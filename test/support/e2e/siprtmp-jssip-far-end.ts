/**
 * The SIP far end of the siprtmp peer suite (test/e2e/siprtmp-peer.e2e.test.ts); shares no code with the
 * product: raw JsSIP (bundled here from node_modules, not from dist/) in a headless Chromium page served
 * by a loopback server of its own, registered at Kamailio over WebSocket. It sends its own tone (an
 * OscillatorNode stream, not the fake microphone), measures the dominant frequency of what it receives
 * (AnalyserNode FFT on the remote track), and listens for DTMF tones in the received audio (Chromium's
 * NetEq plays the RFC 4733 events it receives as dual tones).
 */
import http from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { REALM, WS_URL } from './lab';
import { jssipBrowserScript } from './jssip-bundle';

/** The page's own code (runs in Chromium): JsSIP UA, tone out, FFT and DTMF detection in. */
function farEndScript(user: string, toneHz: number): string {
  return `(() => {
  const far = window.far = { events: [], session: null, mode: 'answer', dtmf: [], analyser: null };
  const log = (name, detail) => far.events.push({ name, detail: detail ?? null, t: Date.now() });
  const ctx = new AudioContext({ sampleRate: 48000 });
  const osc = ctx.createOscillator();
  osc.frequency.value = ${toneHz};
  const gain = ctx.createGain();
  gain.gain.value = 0.3;
  const out = ctx.createMediaStreamDestination();
  osc.connect(gain).connect(out);
  osc.start();
  far.tone = out.stream;

  // Chromium feeds WebAudio from a remote WebRTC track only while a media element plays it
  function listen(session) {
    const pc = session.connection;
    const track = pc && pc.getReceivers().map((r) => r.track).find((t) => t && t.kind === 'audio');
    if (!track) return log('no-remote-track');
    const stream = new MediaStream([track]);
    const el = new Audio();
    el.muted = true;
    el.srcObject = stream;
    el.play().catch(() => {});
    far.element = el;
    const src = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    src.connect(analyser);
    far.analyser = analyser;
    // DTMF: short windows in which one tone of each group stands out
    const short = ctx.createAnalyser();
    short.fftSize = 2048; // 23 Hz bins: the rows (73 Hz apart) resolve
    short.smoothingTimeConstant = 0;
    src.connect(short);
    const low = [697, 770, 852, 941], high = [1209, 1336, 1477, 1633];
    const keys = ['123A', '456B', '789C', '*0#D'];
    const bins = new Float32Array(short.frequencyBinCount);
    const level = (hz) => bins[Math.round(hz / (ctx.sampleRate / short.fftSize))];
    // a key counts once one tone of each group stands 3 dB above the rest of its group in two polls
    // running (a window that catches a tone's onset leaks into the neighbouring row)
    const clear = (levels) => {
      const i = levels.indexOf(Math.max(...levels));
      return levels[i] > -45 && levels.every((l, j) => j === i || l < levels[i] - 3) ? i : -1;
    };
    let last = '', candidate = '', quiet = 0;
    clearInterval(far.dtmfTimer);
    far.dtmfTimer = setInterval(() => {
      short.getFloatFrequencyData(bins);
      const li = clear(low.map(level)), hj = clear(high.map(level));
      const key = li >= 0 && hj >= 0 ? keys[li][hj] : '';
      if (key && key === candidate && key !== last) { far.dtmf.push({ key, t: Date.now() }); last = key; }
      // the same key again counts only after 40 ms without any (a tone's own flicker is one key)
      quiet = key ? 0 : quiet + 1;
      if (quiet >= 10) last = '';
      candidate = key;
    }, 4);
  }

  far.peak = () => {
    if (!far.analyser) return null;
    const a = far.analyser, data = new Float32Array(a.frequencyBinCount);
    a.getFloatFrequencyData(data);
    const step = ctx.sampleRate / a.fftSize;
    let best = -1;
    for (let i = Math.floor(200 / step); i < Math.floor(3600 / step); i++) if (best < 0 || data[i] > data[best]) best = i;
    // parabolic interpolation between the neighbouring bins
    const [l, c, r] = [data[best - 1], data[best], data[best + 1]];
    const shift = (l - r) / (2 * (l - 2 * c + r)) || 0;
    return { hz: (best + shift) * step, db: c };
  };

  // siprtmp.py reads SIP over UDP into a 1500-byte buffer: Chromium's full offer (Opus, RED, CN, header
  // extensions, ssrc lines) makes an INVITE it truncates and answers 400. This phone offers what a plain
  // SIP phone would: PCMU and telephone-event/8000 only
  function shortOffer(sdp) {
    const lines = sdp.split('\\r\\n');
    const audio = lines.find((l) => l.startsWith('m=audio'));
    const te = lines.map((l) => /^a=rtpmap:(\\d+) telephone-event\\/8000/.exec(l)).find(Boolean);
    const keep = ['0'].concat(te ? [te[1]] : []);
    const m = audio.split(' ').slice(0, 3).concat(keep).join(' ');
    return lines.filter((l) => {
      const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\\d+)/.exec(l);
      if (pt) return keep.includes(pt[1]);
      return !/^a=(extmap|ssrc|msid|rtcp-xr)/.test(l);
    }).map((l) => (l === audio ? m : l)).join('\\r\\n');
  }

  function watch(session, originator) {
    far.session = session;
    session.on('sdp', (e) => { if (e.originator === 'local' && e.type === 'offer') e.sdp = shortOffer(e.sdp); });
    log(originator === 'remote' ? 'incoming' : 'outgoing', session.remote_identity && session.remote_identity.uri.user);
    session.on('progress', (e) => log('progress', e.response ? e.response.status_code : null));
    session.on('accepted', () => log('accepted'));
    session.on('confirmed', () => { log('confirmed'); listen(session); });
    session.on('ended', (e) => { log('ended', e.cause); far.session = null; });
    session.on('failed', (e) => { log('failed', { cause: e.cause, code: e.message && e.message.status_code, originator: e.originator }); far.session = null; });
    session.on('newDTMF', (e) => log('dtmf-info', e.dtmf.tone));
    if (originator !== 'remote') return;
    if (far.mode === 'answer') session.answer({ mediaStream: far.tone, pcConfig: { iceServers: [] } });
    else if (far.mode === 'reject') session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    // 'ring': leave it ringing (the caller cancels)
  }

  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(${JSON.stringify(WS_URL)})],
    uri: 'sip:${user}@${REALM}', password: 'secret${user}', register: true, session_timers: false,
  });
  ua.on('connected', () => log('ws-connected'));
  ua.on('disconnected', (e) => log('ws-disconnected', e && e.reason));
  ua.on('registered', () => log('registered'));
  ua.on('registrationFailed', (e) => log('registrationFailed', e.cause));
  ua.on('newRTCSession', (e) => watch(e.session, e.originator));
  far.ua = ua;
  far.call = (target) => { ua.call(target, { mediaStream: far.tone, pcConfig: { iceServers: [] } }); };
  far.hangup = () => { if (far.session) far.session.terminate(); };
  ua.start();
})();`;
}

export interface FarEndEvent { name: string; detail: unknown; t: number }

export class JsSipFarEnd {
  private constructor(readonly page: Page, readonly user: string, private readonly server: http.Server) {}

  /** `ctx`: a Chromium context (browser.ts launch()); the page comes from a loopback server of its own */
  static async open(ctx: BrowserContext, user: string, toneHz: number): Promise<JsSipFarEnd> {
    const html = `<!doctype html><title>far end ${user}</title><script>${jssipBrowserScript().replace(/<\/script/gi, '<\\/script')}</script>`;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
      res.end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.log(`[far ${user}] pageerror ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.log(`[far ${user}] console ${m.text()}`); });
    // a loopback origin: a secure context, and one Chromium lets reach the loopback SIP server
    await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    await page.evaluate(farEndScript(user, toneHz));
    const far = new JsSipFarEnd(page, user, server);
    await far.waitFor('registered');
    return far;
  }

  eval<T>(fn: string): Promise<T> {
    return this.page.evaluate(fn) as Promise<T>;
  }

  events(): Promise<FarEndEvent[]> {
    return this.eval('far.events');
  }

  async count(name: string): Promise<number> {
    return (await this.events()).filter((e) => e.name === name).length;
  }

  /** waits until `name` was seen more than `after` times; returns that event */
  async waitFor(name: string, opts: { after?: number; timeout?: number } = {}): Promise<FarEndEvent> {
    const deadline = Date.now() + (opts.timeout ?? 10_000);
    for (;;) {
      const all = (await this.events()).filter((e) => e.name === name);
      if (all.length > (opts.after ?? 0)) return all[opts.after ?? 0];
      if (Date.now() > deadline) throw new Error(`[far ${this.user}] no ${name} within ${opts.timeout ?? 10_000} ms; saw ${JSON.stringify((await this.events()).map((e) => e.name))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** the dominant frequency (Hz) of the received audio and its level (dBFS), or null before a call is up */
  peak(): Promise<{ hz: number; db: number } | null> {
    return this.eval('far.peak()');
  }

  dtmf(): Promise<{ key: string; t: number }[]> {
    return this.eval('far.dtmf');
  }

  async setMode(mode: 'answer' | 'reject' | 'ring'): Promise<void> {
    await this.page.evaluate((m) => { (window as unknown as { far: { mode: string } }).far.mode = m; }, mode);
  }

  async clear(): Promise<void> {
    await this.eval('far.events.length = 0, far.dtmf.length = 0');
  }

  async close(): Promise<void> {
    await this.eval('far.ua.stop()').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    await this.page.close().catch(() => undefined);
    // Chromium keeps its connection alive: close it, or server.close() waits for ever
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
