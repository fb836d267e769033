// Public API of kazoo-wazo-dev, the Wazo development engine (see README.md).
export { createWazoDevServer, SIP_WS_PATH } from './server';
export type { WazoDevInfo, WazoDevOptions, WazoDevServer } from './server';
export type { BusEvent, CallEventName, CallLeg } from './calls';
export type { WazoUser } from './directory';
export { selfSignedCertificate } from './certificate';
export type { PemPair } from './certificate';
export { WEBSOCKETD_PATH } from './websocketd';
export { CORS_HEADERS } from './http';
