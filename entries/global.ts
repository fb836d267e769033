/**
 * dist/kazoo.js, for `<script src="dist/kazoo.js">`: defines the global `kazoo`, as the 2014 library did.
 * WebRTC is built in; the RTMP transport's code (dist/kazoo-rtmp-transport.js) is fetched from beside this
 * script (or `init({rtmpScriptUrl})`) only when init() picks RTMP, so WebRTC pages do not pay for it.
 * dist/kazoo-rtmp.js is the same object with both transports in one file.
 */
import { EventEmitter } from 'eventemitter3';
import { createKazooOn } from './create';
import type { OnDemandTransport } from '../src/facade/kazoo';
import { currentScriptBase, loadScriptGlobal } from '../src/util/load-script';
import { RTMP_TRANSPORT_GLOBAL, rtmpTransportScript } from './on-demand-contract';

const base = currentScriptBase(); // only readable while this script runs
/** the modules kazoo-rtmp-transport.js takes from this bundle instead of carrying them (rollup.config.mjs) */
const LENT_TO_RTMP = { EventEmitter };

(globalThis as { kazoo?: unknown }).kazoo = createKazooOn({}, {}, {
  load: {
    rtmp: async (url) =>
      loadScriptGlobal<OnDemandTransport>(new URL(url ?? rtmpTransportScript(base), base).href, RTMP_TRANSPORT_GLOBAL, LENT_TO_RTMP),
  },
});
