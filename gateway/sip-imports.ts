/**
 * The one place the gateway reaches into the development SIP server's modules (parser, builder, digest).
 * They are plain RFC 3261 helpers with no server state; importing them here keeps the path in one file
 * should they move to a shared `sip/` folder later.
 */
export { parseSipMessage } from '../protocol/sip/parser';
export type { ParseLimits } from '../protocol/sip/parser';
export { SipRequest, SipResponse, makeHeader } from '../protocol/sip/message';
export type { SipMessage, Header } from '../protocol/sip/message';
export { createRequest, createResponse, newBranch, token, REASONS } from '../protocol/sip/builder';
export { removeHeaderParam, setHeaderParam } from '../protocol/sip/headers';
export { parseNameAddr, parseUri } from '../protocol/sip/jssip';
export { digestResponse } from '../protocol/sip/digest';
export { md5 } from '../devstack/sip-server/users';
