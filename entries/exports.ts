// What every entry exports besides its `kazoo` object.
export { VERSION } from '../src/facade/kazoo';
export type { Kazoo, KazooOptions, KazooPlugin, KazooPlugins, OnDemandTransport, TransportLoader } from '../src/facade/kazoo';
export type { InitParams, RegisterParams } from '../src/facade/params';
export type { Call } from '../src/phone/call';
export { CATALOGUE, messageOf } from '../src/catalogue/catalogue';
export type { CatalogueKey, ErrorKey, NotificationKey } from '../src/catalogue/catalogue';
export type * from '../src/catalogue/events';
export type * from '../src/transport';
export { classifyNotify, parseMessageSummary } from '../src/sip/notify';
export { normaliseIdentity, normaliseTarget, parseSipUri } from '../src/sip/uri';
