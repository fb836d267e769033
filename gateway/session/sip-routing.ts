/**
 * Requests from SIP: each goes to the call that owns it (the session's call, or a transfer target being
 * called), to `refer.ts` (a REFER in the call), to `notify-relay.ts` (an out-of-dialog NOTIFY), or is
 * answered here; a new INVITE becomes the session's incoming call.
 */
import type { SipRequest } from '../../protocol/sip/message';
import { IncomingCall } from '../call/incoming-call';
import { codecsFromNames } from '../sdp';
import { relayNotify } from './notify-relay';
import { followRefer } from './refer';
import type { GatewaySession } from './session';

export function routeSipRequest(session: GatewaySession, request: SipRequest): void {
  const ua = session.ua;
  if (!ua || session.closed) return;
  // Headers worth seeing when debugging (never a password: none travels in SIP requests we receive).
  const refer = request.method === 'REFER' ? ` Refer-To: ${request.get('refer-to')} Referred-By: ${request.get('referred-by')}` : '';
  session.log(`${request.method} from ${request.get('from') ?? '?'}${refer}`);
  const { call, transfer } = session;
  if (request.method === 'REFER' && call?.owns(request)) {
    followRefer(session, request, call);
    return;
  }
  if (call?.receive(request) || transfer?.call.receive(request)) return;
  if (request.method === 'ACK') return;
  if (request.core.toTag) {
    ua.reply(request, 481);
    return;
  }
  if (request.method === 'NOTIFY') {
    relayNotify(session, request);
    return;
  }
  if (request.method === 'OPTIONS') {
    ua.reply(request, 200);
    return;
  }
  if (request.method !== 'INVITE') {
    ua.reply(request, 405, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS, INFO']] });
    return;
  }
  void answerInvite(session, request);
}

/** A new INVITE: 486 when the client is busy (or over its call limit), else it rings the client. */
async function answerInvite(session: GatewaySession, invite: SipRequest): Promise<void> {
  const ua = session.ua!;
  const { options } = session.host;
  if (session.rtmp.state !== 'connected' || session.inCall || ++session.callsMade > options.maxCallsPerSession) {
    ua.reply(invite, 486);
    return;
  }
  let media;
  try {
    media = await options.mediaLegFactory();
  } catch {
    ua.reply(invite, 500);
    return;
  }
  if (session.closed || session.inCall) {
    media.close();
    ua.reply(invite, 486);
    return;
  }
  const call = new IncomingCall(session.callContext(), media, invite, codecsFromNames([]));
  session.attach(call);
  session.rtmp.invoke('invited', nameAddrOf(invite.get('from') ?? ''), session.localAddress);
}

/** The From header without its tag: what siprtmp passes to `invited`. */
function nameAddrOf(value: string): string {
  const close = value.lastIndexOf('>');
  return close >= 0 ? value.slice(0, close + 1) : value.split(';')[0];
}
