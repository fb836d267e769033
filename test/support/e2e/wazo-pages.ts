/**
 * Pages running the Wazo phone (dist/kazoo-wazo.js: Wazo.Auth + Wazo.Phone on the engine) in headless
 * Chromium against a Wazo dev engine (devstack/wazo-dev) started for the test file, as the seed's examples
 * use them: log in, `Phone.connect`, then drive `Wazo.Phone` (`P` in `run`). Each page records the phone's
 * events in `w.log` ("<event> <number>") and the incoming CallSessions in `w.calls`.
 */
import { createWazoDevServer, type WazoDevInfo, type WazoDevServer } from '../../../devstack/wazo-dev';
import { instrument, launch, PhonePage, sleep, PAGE_TONES, type Lab } from './browser';

interface WazoGlobal {
  Auth: { init(id: string): void; setHost(h: string): void; logIn(u: string, p: string): Promise<unknown> };
  Phone: Record<string, string> & {
    on(ev: string, fn: (...args: never[]) => void): void;
    connect(o: object): Promise<void>;
  };
}

export class WazoPages {
  private readonly open: PhonePage[] = [];
  private opened = 0;

  /** `wazo` and `info`: the engine itself (its events, its certificate for Node clients) */
  private constructor(readonly lab: Lab, readonly wazo: WazoDevServer, readonly info: WazoDevInfo) {}

  get server(): string {
    return this.info.server;
  }

  /** a dev engine on a free port and a Chromium that takes its self-signed certificate */
  static async start(): Promise<WazoPages> {
    const wazo = createWazoDevServer({ host: '127.0.0.1', port: 0, logLevel: 'warn' });
    const info = await wazo.start();
    return new WazoPages(await launch({ args: ['--ignore-certificate-errors'] }), wazo, info);
  }

  /** wss URL and SIP domain of the engine's SIP, for a far end that is not a Wazo phone */
  get sip(): { wsUrl: string; domain: string } {
    return { wsUrl: `wss://${this.server}/api/asterisk/ws`, domain: this.server.replace(/:\d+$/, '') };
  }

  /** a page logged in as `user` and connected (Wazo.Phone.connect resolved); its tone: the next of PAGE_TONES */
  async phone(user: string, connectOptions: object = { log: { builtinEnabled: true } }): Promise<PhonePage> {
    const page = await this.lab.ctx.newPage();
    page.on('pageerror', (e) => console.log(`[${user}] pageerror ${e.message}`));
    const tone = PAGE_TONES[this.opened++ % PAGE_TONES.length];
    await instrument(page, tone);
    // the lab's page server serves the legacy page and dist/ (the Wazo build sits beside kazoo.js there)
    await page.goto(`${this.lab.baseUrl}/legacy.html`, { waitUntil: 'load' });
    await page.addScriptTag({ url: `${this.lab.baseUrl}/lib/kazoo-wazo.js` });
    const p = new PhonePage(page, user, tone);
    this.open.push(p);
    await page.evaluate(async ([host, login, options]) => {
      const w = window as unknown as { Wazo: WazoGlobal; calls: unknown[]; log: string[] };
      w.calls = [];
      w.log = [];
      w.Wazo.Auth.init('kazoo-e2e');
      w.Wazo.Auth.setHost(host);
      await w.Wazo.Auth.logIn(login, `secret${login}`);
      const P = w.Wazo.Phone;
      for (const ev of [P.ON_CALL_INCOMING, P.ON_CALL_ACCEPTED, P.ON_CALL_ENDED, P.ON_CALL_HELD, P.ON_CALL_RESUMED, P.ON_CALL_FAILED, P.ON_CALL_REJECTED, P.ON_CALL_CANCELED]) {
        P.on(ev, (cs: { number: string }) => w.log.push(`${ev} ${cs?.number ?? ''}`));
      }
      // how an unanswered call ended, as the caller is told
      for (const ev of [P.ON_CALL_FAILED, P.ON_CALL_REJECTED]) {
        P.on(ev, (cs: { number: string }, end: { code?: number; reason: string }) => w.log.push(`${ev} ${cs.number} ${end?.code ?? ''} ${end?.reason ?? ''}`));
      }
      P.on(P.ON_CALL_CANCELED, (cs: { number: string }, elsewhere: boolean) => w.log.push(`${P.ON_CALL_CANCELED} ${cs.number} elsewhere ${elsewhere}`));
      P.on(P.ON_CALL_INCOMING, (cs: unknown) => w.calls.push(cs));
      P.on(P.ON_MESSAGE, (m: { body: string; dialogCallId?: string }) => w.log.push(`onMessage ${m.dialogCallId ? 'in-dialog' : 'out-of-dialog'} ${m.body}`));
      await P.connect(options);
    }, [this.server, user, connectOptions] as const);
    return p;
  }

  /** disconnects and closes every page opened so far */
  async closePages(): Promise<void> {
    for (const p of this.open.splice(0)) {
      await run(p, 'await P.disconnect(); return null;').catch(() => undefined);
      await p.page.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.closePages();
    await this.lab.close();
    await this.wazo.stop();
  }
}

/** page.evaluate with `Wazo.Phone` as P, window as w */
export function run<T>(p: PhonePage, body: string): Promise<T> {
  return p.page.evaluate(`(async () => { const w = window; const P = w.Wazo.Phone; ${body} })()`) as Promise<T>;
}

/** waits until the page's log has `entry` (exactly); fails with the log */
export async function waitLog(p: PhonePage, entry: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const log = await run<string[]>(p, 'return w.log;');
    if (log.includes(entry)) return;
    if (Date.now() > deadline) throw new Error(`[${p.name}] no "${entry}" within ${timeout} ms; log: ${JSON.stringify(log)}`);
    await sleep(100);
  }
}

/** `p` answers every call it gets */
export const autoAccept = (p: PhonePage) => run(p, 'P.on(P.ON_CALL_INCOMING, (cs) => P.accept(cs)); return null;');

/** `a` calls `b` (`w.out` on a), `b` accepts (`w.current` on b); both past onCallAccepted, each hearing the other's tone */
export async function connected(a: PhonePage, b: PhonePage): Promise<void> {
  await run(a, `w.out = await P.call('${b.name}'); return null;`);
  await waitLog(b, `onCallIncoming ${a.name}`);
  await run(b, 'w.current = w.calls[w.calls.length - 1]; await P.accept(w.current); return null;');
  await waitLog(a, `onCallAccepted ${b.name}`);
  await a.expectTone(b.tone, { absent: [a.tone] });
  await b.expectTone(a.tone, { absent: [b.tone] });
}
