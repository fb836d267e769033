// Public API of the kazoo-js development SIP server (see README.md).
export { createDevSipServer, DevSipServerError } from './server';
export type { DevSipServer, DevUsers, ServerStats, StartedInfo } from './server';
export type { DevSipServerOptions } from './options';
export type { Limits } from './limits';
export { DEFAULT_LIMITS } from './limits';
export type { LogLevel, LogSink } from './logger';
export type { MwiOrder, MwiCounts } from './kazoo/bodies';
export { mwiBody, overwriteBodies } from './kazoo/bodies';
export type { BindingInfo, ExpiresPolicy } from './registrar';
export type { ServerEventMap, ServerEventName } from './events';
export type { SipTimers } from '../../protocol/sip/transaction/timers';
export type { UserInfo, UserRecord } from './users';
export { demoUsers, loadUsersFile, parseAddUsers } from './users';
export type { Mailbox } from './kazoo/voicemail';
// For host products that run this server inside their own (the Wazo dev engine).
export type { ForwardInfo, ProxyBehaviour } from './proxy/behaviour';
export type { WsHostHooks } from './transports/ws';
export type { SipRequest, SipResponse } from '../../protocol/sip/message';
export type { Logger } from './logger';
export { createLogger, LOG_LEVELS } from './logger';
export { signals as untilStopSignal } from './cli';
