/**
 * The notification/error catalogue: every key the legacy Kazoo JS Library v1.0 documents, with its exact
 * message, plus the keys this engine adds for bad input and states the 2014 library crashed or stayed
 * silent on. One table; keys, messages and types are derived from it. `kind` tells which callback
 * carries the key (onNotified or onError); `legacy` marks the keys of the 2014 document (and the one
 * its code added: `transfer_notification`). The 2014 code's `forbidden` (a 403 on REGISTER) is not
 * here: a page written from the document knows only `unauthorized` for a wrong password, and registrars
 * answer one with 401, 407 or 403 (Kamailio) alike, so every such status is `unauthorized` with `code`.
 */
export const CATALOGUE = {
  // ---- errors of the 2014 document / code ----
  server_not_reachable: { kind: 'error', legacy: true, message: 'Could not reach the server.' },
  unauthorized: { kind: 'error', legacy: true, message: 'Invalid credentials.' },
  disconnected: { kind: 'error', legacy: true, message: 'You have been disconnected.' },
  // ---- notifications of the 2014 document / code ----
  overriding_registration: {
    kind: 'notification', legacy: true,
    message: 'You have overridden an existing registration for this device.',
  },
  replaced_registration: {
    kind: 'notification', legacy: true,
    message: 'You have been disconnected: someone else has registered this device.',
  },
  voicemail_notification: { kind: 'notification', legacy: true, message: 'You have one or more voicemail message(s).' },
  connectivity_notification: {
    kind: 'notification', legacy: true,
    message: {
      offline: 'You have lost your connection to the network.',
      online: 'You have recovered your connection to the network.',
    },
  },
  reconnecting_notification: { kind: 'notification', legacy: true, message: 'Attempting to reconnect' },
  unknown_notification: { kind: 'notification', legacy: true, message: 'You have received a SIP notification.' },
  transfer_notification: { kind: 'notification', legacy: true, message: 'Transfer successful.' },
  // ---- added by kazoo-js: bad input and states the 2014 library did not report ----
  registration_failed: { kind: 'error', legacy: false, message: 'The registration failed.' },
  transport_unavailable: { kind: 'error', legacy: false, message: 'The selected transport is not available.' },
  missing_parameter: { kind: 'error', legacy: false, message: 'A required parameter is missing or invalid.' },
  already_registered: { kind: 'error', legacy: false, message: 'Already registered: call logout() first.' },
  not_registered: { kind: 'error', legacy: false, message: 'Not registered: call register() first.' },
  invalid_uri: { kind: 'error', legacy: false, message: 'Not a valid SIP address.' },
  invalid_dtmf: { kind: 'error', legacy: false, message: 'DTMF accepts one of 0-9, *, #, A-D.' },
  no_call: { kind: 'error', legacy: false, message: 'There is no call.' },
  call_in_progress: { kind: 'error', legacy: false, message: 'A call is already in progress.' },
  transfer_failed: { kind: 'error', legacy: false, message: 'The transfer failed.' },
  media_error: { kind: 'error', legacy: false, message: 'The microphone could not be used.' },
} as const;

type Catalogue = typeof CATALOGUE;
export type CatalogueKey = keyof Catalogue;
export type ErrorKey = { [K in CatalogueKey]: Catalogue[K]['kind'] extends 'error' ? K : never }[CatalogueKey];
export type NotificationKey = Exclude<CatalogueKey, ErrorKey>;
export type ConnectivityStatus = keyof Catalogue['connectivity_notification']['message'];

/** The message of a key; `variant` picks one of a key's several messages (connectivity: online/offline). */
export function messageOf(key: CatalogueKey, variant?: string): string {
  const m: string | Readonly<Record<string, string>> = CATALOGUE[key].message;
  if (typeof m === 'string') return m;
  const v = variant !== undefined ? m[variant] : undefined;
  if (v === undefined) throw new TypeError(`catalogue key ${key} needs one of: ${Object.keys(m).join(', ')}`);
  return v;
}

export function isErrorKey(key: CatalogueKey): key is ErrorKey {
  return CATALOGUE[key].kind === 'error';
}
