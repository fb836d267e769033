// What a failed Wazo step becomes for a legacy page: a catalogue error (`{key, message, source}`, the
// shape onError always gets) instead of the Wazo SDK's exception classes. The source names the plugin
// and the Wazo service, and carries the HTTP status where there is one; never a token or a password
// (the messages are the server's error text or ours, and requests are not described).

import { messageOf, type ErrorKey, type KazooError } from '../../../entries/exports';
import { BadResponse, NetworkError, ServerError, TimeoutError } from '../http/errors';
import { InvalidAuthorization, InvalidSubscription } from '../simple/errors';

/** the Wazo service a step talks to */
export type WazoService = 'auth' | 'confd' | 'websocketd' | 'sip';

export function wazoError(key: ErrorKey, service: WazoService, details: { code?: number; reason?: string; parameter?: string } = {}): KazooError {
  const { code, reason, parameter } = details;
  return {
    key,
    message: messageOf(key),
    source: { protocol: 'engine', plugin: 'wazo', service, ...(code !== undefined ? { status: code } : {}), ...(reason ? { reason } : {}) },
    ...(code !== undefined ? { code } : {}),
    ...(parameter ? { parameter } : {}),
  };
}

/** A Wazo request's failure as a catalogue error: refused credentials, unreachable stack, or anything else. */
export function fromWazoFailure(error: unknown, service: WazoService): KazooError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof ServerError || error instanceof NetworkError || error instanceof TimeoutError) {
    return wazoError('server_not_reachable', service, { code: error instanceof ServerError ? error.status : undefined, reason });
  }
  if (error instanceof BadResponse && (error.status === 401 || error.status === 403)) return wazoError('unauthorized', service, { code: error.status, reason });
  if (error instanceof InvalidAuthorization || error instanceof InvalidSubscription) return wazoError('unauthorized', service, { reason });
  return wazoError('registration_failed', service, { code: error instanceof BadResponse ? error.status : undefined, reason });
}

/** To the page's onError or, without one, to the console as the facade does (`[kazoo] key: message`). */
export function deliverError(error: KazooError, onError: ((e: KazooError) => void) | undefined): void {
  if (onError) onError(error);
  // eslint-disable-next-line no-console
  else console.error(`[kazoo] ${error.key}: ${error.message}`);
}
