// Entry point for every datagram / WebSocket message: parse, answer bad input (400/513) or drop it,
// hand responses to their client transaction and requests to the request handler.

import type { ServerContext } from '../context';
import { createResponse } from '../messages';
import { parseSipMessage } from '../../../protocol/sip/parser';
import type { SipResponse } from '../../../protocol/sip/message';
import type { ViaInfo } from '../../../protocol/sip/jssip';
import type { Flow, InboundHandler } from '../../../protocol/sip/flow';
import { aliasContacts } from './addressing';
import type { RequestHandler } from './requests';

export function createInbound(ctx: ServerContext, requests: RequestHandler): InboundHandler {
  return (data: Buffer, flow: Flow) => {
    const out = parseSipMessage(data, { maxMessageBytes: ctx.limits.maxMessageBytes, maxHeaders: ctx.limits.maxHeaders });
    // RFC 5626 4.4.1: a double-CRLF ping gets a CRLF pong (as Kamailio and Asterisk answer); phones
    // probe their connection with it and drop one that stays silent.
    if (out.kind === 'keepalive') {
      if (data.toString('latin1') === '\r\n\r\n') flow.send(Buffer.from('\r\n'));
      return;
    }
    if (out.kind === 'error') {
      ctx.logger.debug(`${out.status} ${out.reason}: ${data.length} bytes from ${flow.id}${out.replyTo ? '' : ' (dropped)'}`);
      if (out.replyTo) flow.send(createResponse(out.replyTo, out.status, { reason: out.reason }).serialize());
      return;
    }
    const msg = out.message;
    if (msg.kind === 'response') handleResponse(ctx, msg, out.topVia, flow);
    else requests.handle(msg, out.topVia, flow);
  };
}

function handleResponse(ctx: ServerContext, res: SipResponse, via: ViaInfo, flow: Flow): void {
  const txn = ctx.clientTxns.match(via.branch, res.core.cseqMethod);
  if (!txn) {
    ctx.logger.debug(`${res.status} for ${res.core.cseqMethod} from ${flow.id}: no transaction, dropped`);
    return;
  }
  res.removeFirst('via');
  // A dialog-forming answer from a browser: its Contact host is invented, alias it to this flow.
  if (res.status < 300) aliasContacts(res, flow);
  txn.receive(res);
}
