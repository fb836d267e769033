// Entry of the browser global build (dist/kazoo-wazo.js): `window.Wazo` is the Simple API object with
// every named export of kazoo-js/wazo attached (`Wazo.WazoApiClient`, `Wazo.CALL_CREATED`, …).
import * as everything from './index';

const { default: simple, ...named } = everything;
const Wazo = Object.assign(simple, named);
// set explicitly: the minified build's terser (toplevel) drops the IIFE's unused top-level `var Wazo`
(globalThis as { Wazo?: unknown }).Wazo = Wazo;

export default Wazo;
