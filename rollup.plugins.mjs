// Rollup plugins of the browser builds, shared by rollup.config.mjs and the benchmarks that bundle
// JsSIP the same way (bench/webrtc-setup.mjs), so both measure the same thing.
import { fileURLToPath } from 'node:url';

// JsSIP reads its own package.json for its name and version; only those fields go into the bundle
export const packageJsonFields = {
  name: 'package-json-fields',
  transform(code, id) {
    if (!id.endsWith('package.json')) return null;
    const { name, title, version } = JSON.parse(code);
    return { code: `export default ${JSON.stringify({ name, title, version })};`, map: null };
  },
};

// ...and logs through `debug`, replaced in the global build by a small stand-in (src/util/debug-lite.ts)
export const debugLite = {
  name: 'debug-lite',
  resolveId(source) {
    return source === 'debug' ? fileURLToPath(new URL('./src/util/debug-lite.ts', import.meta.url)) : null;
  },
};

// ...and subclasses `events`' EventEmitter, replaced in the global builds (kazoo*.js, kazoo-wazo.js) and in the
// bench's JsSIP baseline by the eventemitter3 those builds carry anyway (src/util/events-lite.ts)
export const eventsLite = {
  name: 'events-lite',
  resolveId(source) {
    return source === 'events' ? fileURLToPath(new URL('./src/util/events-lite.ts', import.meta.url)) : null;
  },
};

// ...and carries SUBSCRIBE/NOTIFY dialogs (Subscriber, Notifier) that only UA.js reaches and kazoo never
// uses: a stand-in in the legacy global builds (src/util/subscriptions-left-out.ts)
export const subscriptionsLeftOut = {
  name: 'subscriptions-left-out',
  resolveId(source, importer) {
    if (!/^\.\/(Subscriber|Notifier)$/.test(source) || !/[\\/]jssip[\\/]lib[\\/]UA\.js$/.test(importer ?? '')) return null;
    return fileURLToPath(new URL('./src/util/subscriptions-left-out.ts', import.meta.url));
  },
};

// terser options of every minified browser build (and of the JsSIP baseline the bench measures against)
export const MINIFY_OPTIONS = { ecma: 2020, toplevel: true, compress: { passes: 3 } };
