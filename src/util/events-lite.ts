/**
 * A stand-in for Node's `events` (the npm polyfill a browser bundle of JsSIP otherwise carries, ~1.8 KB
 * gzip) on eventemitter3, which the builds bundle anyway. JsSIP uses only the module's `EventEmitter`
 * as a base class with on/emit/removeListener/listeners(name) (our code adds once/off, never
 * prependListener), never emits 'error' (where Node's would throw without a listener), nor relies on
 * 'newListener' or max-listener warnings: those, the only differences, do not matter here. Used by the
 * global builds and the bench's JsSIP baseline (rollup.plugins.mjs eventsLite), which bundles it without
 * TypeScript: keep it free of type syntax.
 */
import EventEmitter from 'eventemitter3';

export { EventEmitter };
export default EventEmitter;
