/**
 * The far end transfers the client (RFC 3515, we are the transferee): 202, NOTIFY progress, an INVITE
 * to the Refer-To target with Referred-By; while it rings the client stays on the old call. Client
 * callbacks: `referred(target, referredBy)` at once; `transferred(target, codec)` when the target
 * answered (the client's audio now goes to it, the old call gets a BYE); `referFailed(status)` when it
 * did not (the client stays on the old call, or gets `byed` when the transferor already hung up).
 */
import type { AmfValue } from '../../protocol/rtmp/amf-values';
import type { SipRequest } from '../../protocol/sip/message';
import { parseUri } from '../../protocol/sip/jssip';
import { uriOf } from '../addressing';
import type { Call } from '../call/call';
import { OutgoingCall } from '../call/outgoing-call';
import { codecsFromNames } from '../sdp';
import { inviteDestination } from './place-call';
import type { GatewaySession } from './session';

export function followRefer(session: GatewaySession, refer: SipRequest, old: Call): void {
  const { options } = session.host;
  const target = referTarget(refer.get('refer-to') ?? '');
  if (old.state !== 'confirmed') return old.respond(refer, 481, 'Call Does Not Exist');
  if (session.transfer) return old.respond(refer, 491, 'Request Pending');
  if (!target) return old.respond(refer, 400, 'Bad Refer-To (a sip: URI without headers only)');
  if (++session.callsMade > options.maxCallsPerSession) return old.respond(refer, 403, 'Call limit reached');
  old.respond(refer, 202, 'Accepted');
  old.notifyRefer(refer, '100 Trying', false);
  const referredBy = refer.get('referred-by') ?? `<${uriOf(refer.get('from') ?? '')}>`;
  session.log(`following REFER to ${target}`);
  session.rtmp.invoke('referred', target, uriOf(referredBy));
  void callTarget(session, refer, old, target, referredBy);
}

async function callTarget(session: GatewaySession, refer: SipRequest, old: Call, target: string, referredBy: string): Promise<void> {
  // the session's connection may change while the target rings (a client that resumed after a drop)
  const rtmp = { invoke: (method: string, ...args: AmfValue[]) => session.rtmp.invoke(method, ...args) };
  const fail = (status: string): void => {
    if (session.transfer?.refer !== refer && session.transfer !== null) return;
    session.transfer = null;
    old.notifyRefer(refer, status, true);
    rtmp.invoke('referFailed', status);
    if (old.state === 'ended' && session.call === old) rtmp.invoke('byed');
  };
  let media;
  try {
    media = await session.host.options.mediaLegFactory();
  } catch {
    fail('500 Internal Server Error');
    return;
  }
  if (session.closed || session.call !== old) {
    media.close();
    return;
  }
  let next: OutgoingCall | null = null;
  const mine = (): boolean => next !== null && session.transfer?.call === next;
  const context = session.callContext({
    ringing: (status) => {
      if (mine()) old.notifyRefer(refer, status, false);
    },
    accepted: (codec) => {
      if (!mine() || !codec) return; // early media of the target: the client still hears the old call
      session.transfer = null;
      old.notifyRefer(refer, '200 OK', true);
      old.media.onFrame = null;
      session.attach(next!);
      old.hangup();
      rtmp.invoke('transferred', target, codec);
    },
    rejected: (status) => {
      if (mine()) fail(status);
    },
  });
  next = OutgoingCall.start(context, media, target, codecsFromNames([]), inviteDestination(session, target), [['Referred-By', referredBy]]);
  session.transfer = { refer, old, call: next, target };
}

/** The Refer-To URI when it is a plain sip(s) URI with a user; URI headers (Replaces…) are refused. */
function referTarget(value: string): string | null {
  const uri = uriOf(value);
  if (!/^sips?:[^@\s?]+@[^\s?]+$/i.test(uri) || uri.length > 256) return null;
  return parseUri(uri) ? uri : null;
}
