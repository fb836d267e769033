// Typed errors for everything that can go wrong with a request. `BadResponse`/`ServerError` keep the
// SDK's names and fields; the others replace the SDK's bare TypeError/AbortError/Error so callers can
// tell a dead network from a slow server from an expired session with `instanceof`.

import { isObject, str, strings, type JsonObject } from '../util/json';

/** Base of every error this plugin throws for a request. */
export class WazoRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = new.target.name;
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }
}

export interface ResponseErrorInit {
  status: number;
  message: string;
  errorId?: string | null;
  details?: JsonObject | null;
  timestamp?: number | string | null;
  /** The parsed error body (JSON object or text). */
  error?: unknown;
  /** wazo-auth style `reason` list. */
  reason?: string[];
  url?: string;
  method?: string;
}

/** The server answered 4xx. */
export class BadResponse extends WazoRequestError {
  readonly status: number;
  readonly errorId: string | null;
  readonly details: JsonObject | null;
  readonly timestamp: number | string | null;
  readonly error: unknown;
  readonly reason: string[];
  readonly url: string | undefined;
  readonly method: string | undefined;

  constructor(init: ResponseErrorInit) {
    super(init.message);
    this.status = init.status;
    this.errorId = init.errorId ?? null;
    this.details = init.details ?? null;
    this.timestamp = init.timestamp ?? null;
    this.error = init.error ?? null;
    this.reason = init.reason ?? [];
    this.url = init.url;
    this.method = init.method;
  }

  /** Builds the right class from a status and an error body (JSON object or text). */
  static fromBody(status: number, body: unknown, where: { url?: string; method?: string } = {}): BadResponse {
    const init = describeErrorBody(status, body);
    return status >= 500 ? new ServerError({ ...init, ...where }) : new BadResponse({ ...init, ...where });
  }
}

/** The server answered 5xx. */
export class ServerError extends BadResponse {}

/** The request never got an HTTP answer (DNS, refused connection, TLS, CORS, abort by the caller). */
export class NetworkError extends WazoRequestError {
  readonly url: string;
  constructor(url: string, cause: unknown) {
    super(`Network error for ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.url = url;
  }
}

/** No complete answer within the request timeout. */
export class TimeoutError extends WazoRequestError {
  readonly url: string;
  readonly timeout: number;
  constructor(url: string, timeout: number) {
    super(`Request timed out after ${timeout} ms`);
    this.url = url;
    this.timeout = timeout;
  }
}

export type RefreshTokenFailure = 'no_refresh_token' | 'refresh_failed';

/**
 * The token was rejected (401, or 404 "No such token") and could not be renewed. It is a BadResponse
 * carrying the original rejection, so `status === 401` checks keep working; `refreshError` holds what
 * went wrong with the refresh itself.
 */
export class RefreshTokenError extends BadResponse {
  readonly failure: RefreshTokenFailure;
  readonly refreshError: unknown;

  constructor(original: BadResponse, failure: RefreshTokenFailure, refreshError?: unknown) {
    super({
      status: original.status,
      message:
        failure === 'no_refresh_token'
          ? `${original.message} (token expired and no refresh token is set)`
          : `${original.message} (token expired and the refresh failed)`,
      errorId: original.errorId,
      details: original.details,
      timestamp: original.timestamp,
      error: original.error,
      reason: original.reason,
      url: original.url,
      method: original.method,
    });
    this.failure = failure;
    this.refreshError = refreshError ?? null;
  }
}

// Two error shapes exist: wazo-auth's `{reason: [...], timestamp: [...], status_code}` and everyone
// else's `{message, error_id, details, timestamp}`. Both become one readable message.
function describeErrorBody(status: number, body: unknown): ResponseErrorInit {
  if (isObject(body)) {
    const reason = strings(body.reason);
    const message = str(body.message) || reason.join(', ') || `HTTP ${status}`;
    const timestamp = Array.isArray(body.timestamp) ? str(body.timestamp[0]) || null : readTimestamp(body.timestamp);
    return {
      status,
      message,
      errorId: str(body.error_id) || null,
      details: isObject(body.details) ? body.details : null,
      timestamp,
      error: body,
      reason,
    };
  }
  const text = typeof body === 'string' ? body.trim() : '';
  return { status, message: text || `HTTP ${status}`, error: body ?? null };
}

function readTimestamp(value: unknown): number | string | null {
  return typeof value === 'number' || typeof value === 'string' ? value : null;
}
