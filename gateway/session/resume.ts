/**
 * Call survival across a dropped RTMP connection (issue 13). RTMP carries signalling and media on one
 * connection, with no ICE to move them: when it drops during an answered call the session is *parked* —
 * its SIP user agent, registration and call stay up, the far end hears silence — for the grace window
 * (`resumeGraceMs`). A new connection from the same client that presents the call's resume token in its
 * `connect` command object (`resumeToken`) takes the parked session over: no new REGISTER, same dialog,
 * same RTP; its connect reply says `resumed: true`. Nobody back within the window: the call gets a BYE
 * and the session closes (un-REGISTER), as if the connection had closed without a window.
 *
 * The token is issued with the `accepted` callback (third argument `{ token, graceMs }`), rotated at each
 * answer, 128 random bits, and never logged. An original siprtmp gateway sends no token, so a client
 * never presents one there: the call dies with the connection, as it always did (docs/api.md).
 */
import { randomBytes } from 'node:crypto';
import type { AmfObject } from '../../protocol/rtmp/amf-values';
import type { ConnectDecision, ConnectRequest } from '../../protocol/rtmp/rtmp-server-session';
import type { GatewaySession } from './session';

/** The gateway's table of resume tokens: one live token per session with an answered call. */
export class ResumeTokens {
  private readonly sessions = new Map<string, GatewaySession>();

  /** A fresh token for `session`, replacing the one it had (`previous`). */
  issue(session: GatewaySession, previous: string | null): string {
    if (previous) this.sessions.delete(previous);
    const token = randomBytes(16).toString('base64url');
    this.sessions.set(token, session);
    return token;
  }

  revoke(token: string | null): void {
    if (token) this.sessions.delete(token);
  }

  find(token: string): GatewaySession | undefined {
    return this.sessions.get(token);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** What `accepted` carries for a client that can resume; null when the window is off. */
export function resumeOffer(session: GatewaySession): AmfObject | null {
  const graceMs = session.host.options.resumeGraceMs;
  if (graceMs <= 0) return null;
  session.resumeToken = session.host.resumeTokens.issue(session, session.resumeToken);
  return { token: session.resumeToken, graceMs };
}

/** The token a reconnecting client presents, if any (a string of sane length; anything else is none). */
export function presentedToken(request: ConnectRequest): string | null {
  const token = request.commandObject.resumeToken;
  return typeof token === 'string' && token.length > 0 && token.length <= 64 ? token : null;
}

/**
 * `connect` with a resume token (`shell` is the new connection's session, its address and credentials
 * read from the connect): the parked (or still attached) session of that token takes this connection
 * over when the address and credentials are the same and its call is still up. Null when it
 * cannot (unknown or expired token, another user, call gone): the connect goes on as a new login, and its
 * reply has no `resumed`, which tells the client its call is over.
 */
export function tryResume(shell: GatewaySession, request: ConnectRequest): ConnectDecision | null {
  const token = presentedToken(request);
  if (!token) return null;
  const { logger } = shell.host.options;
  const { aor } = shell;
  const parked = shell.host.resumeTokens.find(token);
  const same = parked && parked.aor === aor && parked.authName === shell.authName && parked.password === shell.password;
  if (!parked || !same || parked.closed || parked.call?.state !== 'confirmed') {
    logger.warn(`session ${shell.id}: resume refused for ${aor} (unknown or expired token, or not that user's call): a new login`);
    return null;
  }
  parked.takeOver(shell);
  logger.info(`session ${parked.id}: ${aor} resumed its call on a new connection (session ${shell.id})`);
  return { accept: true, info: { resumed: true } };
}
