// Every table this server keeps has a ceiling, so a misbehaving client (or a benchmark) can slow it
// down but never grow it without bound. Defaults suit a laptop demo with room for a sipp load test.

export interface Limits {
  /** SIP message size; larger requests are answered 513, larger responses dropped. */
  maxMessageBytes: number;
  /** Header lines per message. */
  maxHeaders: number;
  /** Open WebSocket connections; more are refused with HTTP 503 at the handshake. */
  maxConnections: number;
  /** Bindings over all users; a REGISTER that would exceed it gets 503. */
  maxRegistrations: number;
  /** Bindings per user (address of record). */
  maxBindingsPerUser: number;
  /** Server + client transactions alive at once; new requests beyond it get 503. */
  maxTransactions: number;
  /** Established INVITE dialogs; new INVITEs beyond it get 503. */
  maxDialogs: number;
  /** message-summary subscriptions held by the voicemail box. */
  maxSubscriptions: number;
  /** Branches one request may fork to. */
  maxForks: number;
  /** Bytes queued on one WebSocket before the slow client is disconnected. */
  maxWsBufferedBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxMessageBytes: 32 * 1024,
  maxHeaders: 120,
  maxConnections: 1000,
  maxRegistrations: 20000,
  maxBindingsPerUser: 10,
  maxTransactions: 20000,
  maxDialogs: 5000,
  maxSubscriptions: 5000,
  maxForks: 10,
  maxWsBufferedBytes: 4 * 1024 * 1024,
};

export function resolveLimits(partial: Partial<Limits> | undefined): Limits {
  const out: Limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [key, value] of Object.entries(out)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`limit ${key} must be a positive integer, got ${String(value)}`);
  }
  return out;
}
