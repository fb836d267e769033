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
export type { SipAgent } from './proxy/agent';
export type { ClientTxnHandler } from '../../protocol/sip/transaction/client';
export type { ServerTxn } from '../../protocol/sip/transaction/server';
export { sipMessageBuilder, token as sipToken } from '../../protocol/sip/builder';
export type { WsHostHooks } from './transports/ws';
export type { SipMessage, SipRequest, SipResponse } from '../../protocol/sip/message';
export { contactUriText } from './proxy/addressing';
export type { Logger } from './logger';
export { createLogger, LOG_LEVELS } from './logger';
export { signals as untilStopSignal } from './cli';
