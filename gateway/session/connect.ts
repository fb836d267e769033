/**
 * The connection's registration: the RTMP connect is accepted only once the user is REGISTERed (unless the
 * operator allows outbound-only connections without a password), and `stopRegistrationRefresh` stops the
 * refresh when another device took the registration over.
 */
import type { ConnectDecision, ConnectRequest } from '../../protocol/rtmp/rtmp-server-session';
import { DEFAULT_TIMERS } from '../../protocol/sip/transaction/timers';
import { aorFromApp } from '../addressing';
import { Registration } from '../registration';
import { tryResume } from './resume';
import { text } from '../rpc-args';
import { SipUa } from '../sip-ua';
import type { GatewaySession } from './session';
import { routeSipRequest } from './sip-routing';

export async function acceptConnect(session: GatewaySession, request: ConnectRequest): Promise<ConnectDecision> {
  const { options } = session.host;
  const aor = aorFromApp(request.app);
  if (!aor) return { accept: false, description: 'Invalid application: expected sip/<user>@<realm>' };
  const [login, password, display] = request.args;
  session.realm = aor.realm;
  session.aor = `sip:${aor.user}@${aor.realm}`;
  session.authName = text(login, 128) || aor.user;
  session.password = text(password, 256) ?? '';
  session.displayName = text(display, 64) ?? '';
  // a client back after a drop: its parked call takes this connection over, with no new REGISTER
  const resumed = tryResume(session, request);
  if (resumed) return resumed;
  const ua = (session.ua = await SipUa.create({
    agent: options.userAgent,
    bindAddress: options.sipAddress,
    timers: { ...DEFAULT_TIMERS, t1: options.sipT1Ms, t2: options.sipT1Ms * 8 },
    maxMessageBytes: 16 * 1024,
    // answered transactions linger (an answered INVITE 64·T1 for 2xx retransmissions, a non-INVITE T4):
    // room for a few calls a second with DTMF, still a bound on what one connection can hold
    maxTransactions: 256,
  }));
  if (session.closed) {
    // close() ran while the socket was being bound: it could not close what did not exist yet
    ua.close();
    return refuse(session, '503 Closing');
  }
  ua.onRequest = (req) => routeSipRequest(session, req);
  if (session.password === '') {
    if (!options.allowUnregistered) return refuse(session, '403 Registration required');
    session.host.claim(session.aor, session);
    options.logger.info(`session ${session.id}: ${session.aor} connected without registration (outbound only)`);
    return { accept: true };
  }
  const registration = (session.registration = new Registration(ua, {
    aor: session.aor,
    realm: aor.realm,
    displayName: session.displayName,
    contact: session.contact,
    server: options.sipServer,
    secret: { username: session.authName, password: session.password },
    expiresSec: options.registerExpiresSec,
    onLost: (status) => {
      options.logger.warn(`session ${session.id}: registration of ${session.aor} lost (${status})`);
      session.rtmp.invoke('unauthorized', status);
    },
  }));
  const outcome = await registration.register();
  if (session.closed) return refuse(session, '503 Closing');
  if (!outcome.ok) {
    options.logger.info(`session ${session.id}: REGISTER ${session.aor} failed: ${outcome.status}`);
    return refuse(session, outcome.status);
  }
  options.logger.info(`session ${session.id}: ${session.aor} registered`);
  session.host.claim(session.aor, session);
  return { accept: true };
}

/** siprtmp fork order: `unauthorized('NNN text')` first, then the connect is rejected. */
function refuse(session: GatewaySession, status: string): ConnectDecision {
  session.rtmp.invoke('unauthorized', status); // allowed while the connect is being decided, as siprtmp does
  return { accept: false, description: status };
}

/**
 * The client heard `Replaced-By` (another device took this AOR's registration over): refreshing would
 * take it back, so the REGISTER is no longer refreshed. Nothing is unregistered now (the binding may
 * already be the other device's); the connection, and any call, stay. `true` when a registration's
 * refresh was stopped, `false` when there is none (connected without registering).
 */
export function stopRegistrationRefresh(session: GatewaySession): boolean {
  if (!session.registration) return false;
  session.registration.stop();
  session.host.options.logger.info(`session ${session.id}: REGISTER refresh of ${session.aor} stopped (replaced by another device)`);
  return true;
}
