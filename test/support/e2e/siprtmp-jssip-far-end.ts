/**
 * The SIP far end of the siprtmp peer suite (test/e2e/siprtmp-peer.e2e.test.ts); shares no code with the
 * product: raw JsSIP (bundled here from node_modules, not from dist/) in a headless Chromium page served
 * by a loopback server of its own, registered at Kamailio over WebSocket. It sends its own tone (an
 * OscillatorNode stream, not the fake microphone), measures the dominant frequency of what it receives
 * (AnalyserNode FFT on the remote track), and listens for DTMF tones in the received audio (Chromium's
 * NetEq plays the RFC 4733 events it receives as dual tones; an AudioWorklet detects them). `sip` points it at another SIP server than
 * the lab's Kamailio (the Wazo dev engine: test/e2e/wazo-phone-more.e2e.test.ts).
 */
import http from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { REALM, WS_URL } from './lab';
import { jssipBrowserScript } from './jssip-bundle';

/** where the far end registers, and how it offers */
export interface FarEndSip {
  wsUrl: string;
  /** the SIP domain of its AOR */
  domain: string;
  password: string;
  /** offer only PCMU and telephone-event (what siprtmp.py can take); false: Chromium's full offer */
  plainOffer: boolean;
}

/** the lab's Kamailio, demo password (the siprtmp peer suite) */
const labSip = (user: string): FarEndSip => ({ wsUrl: WS_URL, domain: REALM, password: `secret${user}`, plainOffer: true });

/** The page's own code (runs in Chromium): JsSIP UA, tone out, FFT and DTMF detection in. */
function farEndScript(user: string, toneHz: number, sip: FarEndSip): string {
  return `(() => {
  const far = window.far = { events: [], session: null, mode: 'answer', dtmf: [], dtmfMisses: [], analyser: null };
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
    // DTMF: Goertzel on every sample, in the audio thread (dtmfDetector below)
    far.dtmfReady.then(() => {
      if (far.dtmfNode) far.dtmfNode.disconnect();
      const node = far.dtmfNode = new AudioWorkletNode(ctx, 'dtmf-detector');
      node.port.onmessage = (e) => {
        if (e.data.miss) far.dtmfMisses = far.dtmfMisses.slice(-49).concat([e.data]);
        else far.dtmf.push({ key: e.data.key, t: Date.now(), lv: e.data.lv });
      };
      // a node pulled by the destination runs; it outputs silence
      src.connect(node).connect(ctx.destination);
    }).catch((e) => log('dtmf-detector-failed', String(e)));
  }

  // The DTMF detector runs in the audio thread on every received sample, so a busy page neither skips
  // a short tone (siprtmp.py sends one 25 ms RFC 2833 event) nor reads one window many times. Every
  // 5 ms it measures the last 20 ms at the exact row and column frequencies (Goertzel, a window that
  // catches a tone's onset still peaks at that tone's frequency); a window names a key when one row and
  // one column each stand 6 dB above the rest of their group, louder than -45 dBFS, within 8 dB of each
  // other (twist), and carry a quarter of the window's energy or more (the party's audio goes on under
  // the tones: siprtmp's 25 ms events measured 0.28–0.44 against Node's tone; noise is not a key).
  // A key counts after two windows running; the same key again only after 40 ms without any. Windows
  // that name a key but fail twist or share go to far.dtmfMisses (the last 50), for whoever reads a miss.
  function dtmfDetector() {
    const LOW = [697, 770, 852, 941], HIGH = [1209, 1336, 1477, 1633], KEYS = ['123A', '456B', '789C', '*0#D'];
    const N = Math.round(sampleRate * 0.02), HOP = Math.round(sampleRate * 0.005);
    const coeff = (hz) => 2 * Math.cos(2 * Math.PI * hz / sampleRate);
    const lowC = LOW.map(coeff), highC = HIGH.map(coeff);
    class DtmfDetector extends AudioWorkletProcessor {
      constructor() {
        super();
        this.ring = new Float32Array(N); this.at = 0; this.filled = 0; this.sinceHop = 0;
        this.candidate = ''; this.last = ''; this.quiet = 0;
      }
      power(c) {
        let s1 = 0, s2 = 0;
        for (let i = 0; i < N; i++) { const s0 = this.ring[(this.at + i) % N] + c * s1 - s2; s2 = s1; s1 = s0; }
        return s1 * s1 + s2 * s2 - c * s1 * s2;
      }
      windowKey() {
        let energy = 0;
        for (let i = 0; i < N; i++) energy += this.ring[i] * this.ring[i];
        const lows = lowC.map((c) => this.power(c)), highs = highC.map((c) => this.power(c));
        const db = (p) => 10 * Math.log10(4 * p / (N * N) + 1e-20); // a sine of amplitude A: 20 log10 A
        const pick = (ps) => {
          const i = ps.indexOf(Math.max(...ps));
          return ps.every((p, j) => j === i || db(p) < db(ps[i]) - 6) && db(ps[i]) > -45 ? i : -1;
        };
        const li = pick(lows), hj = pick(highs);
        const lv = lows.concat(highs).map((p) => Math.round(db(p)));
        if (li < 0 || hj < 0) return { key: '', lv };
        const twistOk = Math.abs(db(lows[li]) - db(highs[hj])) <= 8;
        const share = (2 / N) * (lows[li] + highs[hj]) / (energy + 1e-20);
        if (twistOk && share >= 0.25) return { key: KEYS[li][hj], lv };
        this.port.postMessage({ miss: KEYS[li][hj], share: Math.round(share * 100) / 100, lv });
        return { key: '', lv };
      }
      process(inputs) {
        const x = inputs[0] && inputs[0][0];
        if (!x) return true;
        for (let i = 0; i < x.length; i++) {
          this.ring[this.at] = x[i]; this.at = (this.at + 1) % N;
          if (this.filled < N) this.filled++;
          if (++this.sinceHop < HOP || this.filled < N) continue;
          this.sinceHop = 0;
          const { key, lv } = this.windowKey();
          if (key && key === this.candidate && key !== this.last) { this.port.postMessage({ key, lv }); this.last = key; }
          this.quiet = key ? 0 : this.quiet + 1;
          if (this.quiet >= 8) this.last = '';
          this.candidate = key;
        }
        return true;
      }
    }
    registerProcessor('dtmf-detector', DtmfDetector);
  }
  far.dtmfReady = ctx.audioWorklet.addModule(URL.createObjectURL(new Blob(['(' + dtmfDetector.toString() + ')()'], { type: 'text/javascript' })));

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
    if (${sip.plainOffer}) session.on('sdp', (e) => { if (e.originator === 'local' && e.type === 'offer') e.sdp = shortOffer(e.sdp); });
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
    sockets: [new JsSIP.WebSocketInterface(${JSON.stringify(sip.wsUrl)})],
    uri: ${JSON.stringify(`sip:${user}@${sip.domain}`)}, password: ${JSON.stringify(sip.password)}, register: true, session_timers: false,
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
  static async open(ctx: BrowserContext, user: string, toneHz: number, sip: FarEndSip = labSip(user)): Promise<JsSipFarEnd> {
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
    await page.evaluate(farEndScript(user, toneHz, sip));
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

  /** the keys heard, when, and the levels (dBFS) of the four rows then the four columns at that moment */
  dtmf(): Promise<{ key: string; t: number; lv: number[] }[]> {
    return this.eval('far.dtmf');
  }

  async setMode(mode: 'answer' | 'reject' | 'ring'): Promise<void> {
    await this.page.evaluate((m) => { (window as unknown as { far: { mode: string } }).far.mode = m; }, mode);
  }

  async clear(): Promise<void> {
    await this.eval('far.events.length = 0, far.dtmf.length = 0, far.dtmfMisses = []');
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
