// kazoo-js/wazo: the server-facing half of Wazo's JavaScript SDK, standalone (no JsSIP, no engine code).
//
// Seed import → here:
//   import Wazo from '@wazo/sdk/lib/simple'                 → import Wazo from 'kazoo-js/wazo'
//   import { WazoApiClient, ApiRequester } from '@wazo/sdk' → import { WazoApiClient, ApiRequester } from 'kazoo-js/wazo'
//   import { WebSocketClient } from '@wazo/sdk'             → import { WebSocketClient } from 'kazoo-js/wazo'
//   import { USERS_SERVICES_DND_UPDATED } from '@wazo/sdk/lib/websocket-client' → from 'kazoo-js/wazo'

import Wazo from './simple/index';

export default Wazo;
export { Wazo };

export { WazoApiClient, SERVICE_PATHS, type WazoApiClientOptions, type OnRefreshToken, type OnRefreshTokenError } from './api/wazo-api-client';
export { DEFAULT_BACKEND_USER, BACKEND_LDAP_USER, DEFAULT_EXPIRATION, type LogInArguments } from './api/auth';
export type { AuthApi } from './api/auth';
export type { ApplicationApi } from './api/application';
export type { CalldApi, CallResponse } from './api/calld';
export type { CtidNgApi, LegacyPresence } from './api/ctid-ng';
export type { ConfdApi, EngineInfos } from './api/confd';
export type { DirdApi } from './api/dird';
export type { AgentdApi } from './api/agentd';
export type { CallLogdApi } from './api/call-logd';
export type { ChatdApi, Presence, GetMessagesOptions, RoomMessagesOptions, OutgoingChatMessage } from './api/chatd';
export type { ListResponse, Raw, UUID } from './api/types';

export {
  ApiRequester,
  DEFAULT_REQUEST_TIMEOUT,
  type ApiRequesterOptions,
  type CallOptions,
  type FetchOptions,
  type RefreshTokenCallback,
} from './http/api-requester';
export {
  WazoRequestError,
  BadResponse,
  ServerError,
  NetworkError,
  TimeoutError,
  RefreshTokenError,
  type RefreshTokenFailure,
} from './http/errors';
export { defaultParser, successResponseParser } from './http/parse';
export type { FetchLike, FetchInit, HttpMethod, HeaderOverrides, ResponseParser, RequestBody, QueryParams } from './http/types';

export {
  WebSocketClient,
  WebSocketClient as WazoWebSocketClient,
  type WebSocketClientArguments,
  type WebSocketClientOptions,
  type WebSocketClientEvents,
  type WazoEvent,
  type CloseInfo,
} from './websocket/websocket-client';
export { EVENTS, SOCKET_EVENTS, EVENT_NAMES, HEARTBEAT_ENGINE_VERSION, type WazoEventName } from './websocket/events';
export { CLOSE_CODES } from './websocket/close-codes';
export type { WebSocketConstructor, WebSocketLike } from './websocket/socket-impl';
export * from './websocket/event-exports';

// As in the SDK, `IssueReporter` is the shared instance; the class is exported for separate reporters.
export { default as IssueReporter, IssueReporter as IssueReporterClass, type RemoteClientConfig, type Logger } from './issue-reporter/issue-reporter';
export { LEVELS, type Level } from './issue-reporter/levels';

export * from './domain/index';
export { InvalidSubscription, InvalidAuthorization, NoTenantIdError, NoDomainNameError } from './simple/errors';

// the phone (on the engine's public entry, src/engine)
export {
  WazoWebRTCClient,
  WazoWebRTCClient as WebRTCClient,
  type WebRTCClientConfig,
  type WebRTCClientEvents,
  type WebRTCClientMedia,
  type UaConfigOverrides,
  type AttendedTransfer,
} from './phone/webrtc-client';
export { WebRTCPhone, PHONE_EVENTS, MESSAGE_TYPE_CHAT, MESSAGE_TYPE_SIGNAL, type WebRTCPhoneEvents } from './phone/webrtc-phone';
export { CallSession, type SipStatus } from './phone/call-session';
export { SimplePhone, NoSipLineError, type PhoneConnectOptions } from './phone/simple-phone';

// the legacy `kazoo` phone on a Wazo line: `kazoo.use(Wazo.kazooPlugin)` (the facade's plugin hook)
export {
  kazooPlugin,
  createKazooPlugin,
  sipWebSocketUrl,
  WAZO_PLUGIN_NAME,
  DEFAULT_CLIENT_ID,
  type WazoKazoo,
  type WazoLogInParams,
  type WazoKazooDependencies,
} from './kazoo/plugin';
