// wazo-websocketd's close codes and what the client does about them. A rejected or expired token is
// not retried with the same token (the original looped forever): the client waits for `updateToken`.

import { SOCKET_EVENTS } from './events';

export interface CloseCodeRule {
  event: (typeof SOCKET_EVENTS)[keyof typeof SOCKET_EVENTS];
  meaning: string;
  /** Reconnect with backoff (true), or stay closed until `updateToken`/`connect` (false). */
  reconnect: boolean;
}

export const CLOSE_CODES: Readonly<Record<number, CloseCodeRule>> = {
  4001: { event: SOCKET_EVENTS.ON_TOKEN_MISSING, meaning: 'no token supplied', reconnect: false },
  4002: { event: SOCKET_EVENTS.ON_AUTH_FAILED, meaning: 'authentication failed', reconnect: false },
  4003: { event: SOCKET_EVENTS.ON_AUTH_EXPIRED, meaning: 'authentication expired', reconnect: false },
  4004: { event: SOCKET_EVENTS.ON_PROTOCOL_ERROR, meaning: 'protocol error', reconnect: false },
};

/** Codes the client itself uses when it drops a socket. */
export const CLIENT_CLOSE = {
  NORMAL: 1000,
  /** Heartbeat or connection timeout: the socket is presumed dead. */
  TIMEOUT: 4900,
  /** Reconnecting on purpose (new token, explicit `reconnect`). */
  RECONNECT: 4901,
} as const;
