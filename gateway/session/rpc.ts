/** The client's RPCs (siprtmp's `invite`, `accept`, `reject`, `bye`, `sendDTMF`, `hold`, `transfer`, and ours) on the session's call. */
import type { AmfValue } from '../../protocol/rtmp/amf-values';
import type { IncomingCommand } from '../../protocol/rtmp/connection-core';
import { normaliseTarget } from '../addressing';
import { IncomingCall } from '../call/incoming-call';
import { names, statusLine, text } from '../rpc-args';
import { codecsFromNames } from '../sdp';
import { stopRegistrationRefresh } from './connect';
import { placeCall } from './place-call';
import type { GatewaySession } from './session';

export function dispatchRpc(session: GatewaySession, command: IncomingCommand): AmfValue | void | Promise<AmfValue | void> {
  const args = command.args;
  const call = session.call;
  switch (command.name) {
    case 'invite':
      return placeCall(session, args[0], names(args.slice(1)));
    case 'accept':
      if (call instanceof IncomingCall) void call.accept(codecsFromNames(names(args)));
      return;
    case 'reject': {
      const { status, reason } = statusLine(args[0]);
      if (call instanceof IncomingCall) call.reject(status, reason);
      return;
    }
    case 'bye':
      return bye(session);
    case 'sendDTMF': {
      const digit = text(args[0], 1);
      return digit !== null && call !== null ? call.sendDtmf(digit) : false;
    }
    case 'hold':
      return call ? call.hold(args[0] === true) : false;
    case 'transfer': {
      const target = normaliseTarget(text(args[0]) ?? '', session.realm);
      if (!target || !call) return '400 Bad transfer target';
      return call.transfer(target);
    }
    case 'stopRegistrationRefresh':
      return stopRegistrationRefresh(session);
    default:
      throw new Error(`unknown method ${command.name.slice(0, 64)}`);
  }
}

function bye(session: GatewaySession): void {
  if (session.placing) {
    session.placing.hungUp = true;
    return;
  }
  if (session.transfer) {
    // hung up while a transfer target rings: CANCEL it, and leave the old call if it is still up
    const { call, old } = session.transfer;
    session.transfer = null;
    call.hangup();
    old.hangup();
    return;
  }
  const call = session.call;
  if (call?.direction === 'outbound' || call?.state === 'confirmed') call.hangup();
}
