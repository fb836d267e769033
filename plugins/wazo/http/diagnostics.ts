// A one-slot hook through which the HTTP layer reports finished requests and the secrets it handles.
// The IssueReporter plugs itself in when enabled; without it no request is recorded. The requester never
// imports the reporter, so a REST-only bundle stays small and the reporter stays optional.

export interface RequestRecord {
  method: string;
  /** The URL with credentials masked (token path segments, `token=` query values). */
  url: string;
  status: number | null;
  durationMs: number;
  /** The error class name when the request failed. */
  error?: string;
}

export interface DiagnosticsSink {
  request(record: RequestRecord): void;
  /** A value that must never leave the process in a log (tokens, refresh tokens). */
  secret(value: string): void;
}

let sink: DiagnosticsSink | null = null;
/**
 * The last secrets reported, kept whether or not a sink is plugged in: a reporter enabled after the
 * login must still scrub the token it never saw go by (Wazo tokens are bare UUIDs no pattern catches).
 */
const recentSecrets: string[] = [];
const RECENT_SECRETS = 8;

export function setDiagnosticsSink(next: DiagnosticsSink | null): void {
  sink = next;
  for (const value of recentSecrets) next?.secret(value);
}

export function reportRequest(record: RequestRecord): void {
  sink?.request(record);
}

export function reportSecret(value: string | null | undefined): void {
  if (!value) return;
  if (!recentSecrets.includes(value)) {
    recentSecrets.push(value);
    if (recentSecrets.length > RECENT_SECRETS) recentSecrets.shift();
  }
  sink?.secret(value);
}

/** Masks what identifies a session in a URL: `/token/<t>` segments and `token=` parameters. */
export function maskUrl(url: string): string {
  return url
    .replace(/(\/token\/)[^/?#]+/gi, '$1***')
    .replace(/([?&](?:token|access_token|refresh_token)=)[^&#]*/gi, '$1***');
}
