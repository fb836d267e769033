// kazoo.use(plugin) / kazoo.plugins: the facade's plugin hook (a plugin is only {name, install(kazoo)}).
import { createKazooFacade, type Kazoo, type KazooPlugin } from './kazoo';
import { fakeClock } from '../../test/support/engine/fake-clock';
import { FakeTransport } from '../../test/support/engine/fake-transport';
import type { KazooError } from '../catalogue/events';

(globalThis as Record<string, unknown>).RTCPeerConnection ??= function RTCPeerConnection() {};
(globalThis as { navigator?: unknown }).navigator ??= { mediaDevices: { getUserMedia: () => Promise.resolve() } };

function facade() {
  const transports: FakeTransport[] = [];
  const k = createKazooFacade({
    transports: { webrtc: () => { const t = new FakeTransport(); transports.push(t); return t; } },
    clock: fakeClock(), network: { isOnline: () => undefined }, storage: null, logSink: null,
  });
  return { k, transports };
}

/** a plugin whose API registers `kazoo` with the settings it holds, as a login plugin would */
function loginPlugin(name = 'demo') {
  const installs: Kazoo[] = [];
  const plugin: KazooPlugin<{ logIn(onError: (e: KazooError) => void): void }> = {
    name,
    install(kazoo) {
      installs.push(kazoo);
      return {
        logIn: (onError) => kazoo.register({ wsUrl: 'wss://pbx.test/ws', realm: 'pbx.test', privateIdentity: '1001', password: 'from-the-plugin', onError }),
      };
    },
  };
  return { plugin, installs };
}

describe('kazoo.use(plugin)', () => {
  test('installs once, returns the API, which kazoo.plugins[name] then holds; install() gets the kazoo object', () => {
    const { k, transports } = facade();
    const { plugin, installs } = loginPlugin();
    expect(k.plugins.demo).toBeUndefined();
    const api = k.use(plugin);
    expect(k.plugins.demo).toBe(api);
    expect(installs).toEqual([k]);
    // the plugin drives kazoo through its public methods
    const errors: KazooError[] = [];
    api.logIn((e) => errors.push(e));
    expect(errors).toEqual([]);
    expect(transports[0].settings?.password).toBe('from-the-plugin');
  });

  test('the same plugin again: the same API back, no second install()', () => {
    const { k } = facade();
    const { plugin, installs } = loginPlugin();
    const api = k.use(plugin);
    expect(k.use(plugin)).toBe(api);
    expect(installs).toHaveLength(1);
  });

  test('another plugin of a taken name is a TypeError and the first stays installed', () => {
    const { k } = facade();
    const first = k.use(loginPlugin('dup').plugin);
    const second = loginPlugin('dup');
    expect(() => k.use(second.plugin)).toThrow(new TypeError('kazoo.use(plugin) takes {name, install(kazoo)}, one plugin per name'));
    expect(second.installs).toHaveLength(0);
    expect(k.plugins.dup).toBe(first);
  });

  test.each([
    ['nothing', undefined],
    ['null', null],
    ['a string', 'wazo'],
    ['no install', { name: 'x' }],
    ['install not a function', { name: 'x', install: 42 }],
    ['no name', { install: () => ({}) }],
    ['an empty name', { name: '', install: () => ({}) }],
    ['a name that is not a string', { name: 12, install: () => ({}) }],
    ['an array for a name', { name: ['x'], install: () => ({}) }],
    ['__proto__', { name: '__proto__', install: () => ({}) }],
    ['a name with a dot', { name: 'a.b', install: () => ({}) }],
  ])('a bad plugin (%s) is a TypeError and installs nothing', (_what, bad) => {
    const { k } = facade();
    expect(() => k.use(bad as unknown as KazooPlugin)).toThrow(TypeError);
    expect(Object.keys(k.plugins)).toEqual([]);
    expect(Object.getPrototypeOf(k.plugins)).toBe(Object.prototype);
  });

  test('an install() that throws leaves the name free: the plugin can be installed later', () => {
    const { k } = facade();
    let fail = true;
    const plugin: KazooPlugin<string> = { name: 'flaky', install: () => { if (fail) throw new Error('not now'); return 'api'; } };
    expect(() => k.use(plugin)).toThrow('not now');
    expect(k.plugins.flaky).toBeUndefined();
    fail = false;
    expect(k.use(plugin)).toBe('api');
    expect(k.plugins.flaky).toBe('api');
  });

  test('names like Object.prototype members are ordinary names', () => {
    const { k } = facade();
    expect(k.use({ name: 'constructor', install: () => 'c' })).toBe('c');
    expect(k.use({ name: 'toString', install: () => 't' })).toBe('t');
    expect(k.plugins.constructor).toBe('c');
  });

  test('several plugins side by side', () => {
    const { k } = facade();
    expect(Object.keys(k.plugins)).toEqual([]);
    k.use(loginPlugin('one').plugin);
    k.use(loginPlugin('two').plugin);
    expect(Object.keys(k.plugins)).toEqual(['one', 'two']);
  });
});
