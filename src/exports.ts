// What every entry exports besides its `kazoo` object.
export { VERSION } from './facade/kazoo';
export type { Kazoo, KazooOptions, OnDemandTransport, TransportLoader } from './facade/kazoo';
export type { InitParams, RegisterParams } from './facade/params';
export type { Call } from './phone/call';
export { CATALOGUE, messageOf } from './catalogue/catalogue';
export type { CatalogueKey, ErrorKey, NotificationKey } from './catalogue/catalogue';
export type * from './catalogue/events';
export type * from './transport';
export { classifyNotify, parseMessageSummary } from './sip/notify';
export { normaliseIdentity, normaliseTarget, parseSipUri } from './sip/uri';
