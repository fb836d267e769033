// Entry of the browser global build (dist/kazoo-wazo.js): `window.Wazo` is the Simple API object with
// every named export of kazoo-js/wazo attached (`Wazo.WazoApiClient`, `Wazo.CALL_CREATED`, …).
import * as everything from './index';

const { default: simple, ...named } = everything;

export default Object.assign(simple, named);
