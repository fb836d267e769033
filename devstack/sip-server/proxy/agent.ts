// What a host product needs to be a party of calls itself, beside the proxy (the Wazo engine's calld
// hangs up, sends DTMF and originates calls the way Asterisk does): send requests to a phone reached
// through this server, ACK a 2xx, list a user's devices, name its own Contact. Requests addressed to
// the host's own dialogs come back through ProxyBehaviour.ownRequest.

import { originate, type ServerContext } from '../context';
import { newBranch } from '../../../protocol/sip/builder';
import { parseUri } from '../../../protocol/sip/jssip';
import type { SipRequest } from '../../../protocol/sip/message';
import type { ClientTxn, ClientTxnHandler } from '../../../protocol/sip/transaction/client';
import { FLOW_PARAM, flowForUri, stripFlowParam } from './addressing';

export interface SipAgent {
  /** Send a request to `uri` (a Contact carrying this server's flow alias); undefined when nothing reaches it. */
  send(uri: string, build: (requestUri: string, via: string, branch: string) => SipRequest, handler?: ClientTxnHandler): ClientTxn | undefined;
  /** Send an ACK for a 2xx (end to end, no transaction); false when nothing reaches `uri`. */
  sendAck(uri: string, build: (requestUri: string, via: string, branch: string) => SipRequest): boolean;
  /** The registered devices of `user`, as URIs `send` reaches. */
  devices(user: string): string[];
  /** This server's Contact header value for a dialog it is a party of, as `user`. */
  contact(user: string): string;
}

export function createSipAgent(ctx: ServerContext): SipAgent {
  const flowOf = (uri: string) => {
    const parsed = parseUri(uri);
    const flow = parsed ? flowForUri(parsed, ctx.flows) : undefined;
    return flow && flow !== 'gone' && flow.isOpen() ? flow : undefined;
  };
  return {
    send(uri, build, handler) {
      const flow = flowOf(uri);
      if (!flow) return undefined;
      return originate(ctx, flow, (via, branch) => build(stripFlowParam(uri), via, branch), handler);
    },
    sendAck(uri, build) {
      const flow = flowOf(uri);
      if (!flow) return false;
      return flow.send(build(stripFlowParam(uri), ctx.local.via(flow.transport), newBranch()).serialize());
    },
    devices(user) {
      return ctx.registrar.lookup(user).filter((b) => b.flow.isOpen()).map((b) => {
        const uri = parseUri(b.contact);
        if (!uri) return b.contact;
        uri.setParam(FLOW_PARAM, b.flow.id);
        return uri.toString();
      });
    },
    contact: (user) => ctx.local.contact(user, 'ws'),
  };
}
