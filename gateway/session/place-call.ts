/** The client's `invite`: the checks siprtmp makes, a media leg, then our INVITE (`call/outgoing-call.ts`). */
import type { AmfValue } from '../../protocol/rtmp/amf-values';
import { parseUri } from '../../protocol/sip/jssip';
import { isIpv4, normaliseTarget } from '../addressing';
import { OutgoingCall } from '../call/outgoing-call';
import { text } from '../rpc-args';
import { codecsFromNames } from '../sdp';
import type { HostPort } from '../sip-ua';
import type { GatewaySession } from './session';

export async function placeCall(session: GatewaySession, destArg: AmfValue | undefined, codecNames: string[]): Promise<void> {
  const { options } = session.host;
  const { rtmp } = session;
  if (!session.registration?.isRegistered && !(options.allowUnregistered && session.password === '')) {
    rtmp.invoke('rejected', 'Registration required before making a call');
    return;
  }
  if (session.inCall) {
    rtmp.invoke('rejected', 'Already in an active or pending call');
    return;
  }
  const target = normaliseTarget(text(destArg) ?? '', session.realm);
  if (!target) {
    rtmp.invoke('rejected', '484 Address Incomplete');
    return;
  }
  if (++session.callsMade > options.maxCallsPerSession) {
    rtmp.invoke('rejected', '403 Call limit reached for this connection');
    return;
  }
  let media;
  const placing = (session.placing = { hungUp: false });
  try {
    media = await options.mediaLegFactory();
  } catch {
    rtmp.invoke('rejected', 'Internal server error');
    return;
  } finally {
    session.placing = null;
  }
  // hung up already: the client reported its end itself (siprtmp's bye before an answer is a cancel)
  if (session.closed || session.inCall || placing.hungUp) {
    media.close();
    return;
  }
  session.log(`INVITE ${target}`);
  const call = OutgoingCall.start(session.callContext(), media, target, codecsFromNames(codecNames), inviteDestination(session, target));
  session.attach(call);
}

/** The SIP server, or the target's own address for `sip:user@a.b.c.d` when the operator allows direct calls. */
export function inviteDestination(session: GatewaySession, target: string): HostPort {
  const { options } = session.host;
  const uri = parseUri(target);
  if (options.directIpCalls && uri && isIpv4(uri.host)) return { host: uri.host, port: uri.port ?? 5060 };
  return options.sipServer;
}
