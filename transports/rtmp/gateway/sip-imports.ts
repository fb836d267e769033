/**
 * The one place the gateway reaches into the development SIP server's modules (parser, builder, digest).
 * They are plain RFC 3261 helpers with no server state; importing them here keeps the path in one file
 * should they move to a shared `sip/` folder later.
 */
export { parseSipMessage } from '../../../devstack/sip-server/sip/parser';
export type { ParseLimits } from '../../../devstack/sip-server/sip/parser';
export { SipRequest, SipResponse, makeHeader } from '../../../devstack/sip-server/sip/message';
export type { SipMessage, Header } from '../../../devstack/sip-server/sip/message';
export { createRequest, createResponse, newBranch, token, REASONS } from '../../../devstack/sip-server/sip/builder';
export { removeHeaderParam, setHeaderParam } from '../../../devstack/sip-server/sip/headers';
export { parseNameAddr, parseUri } from '../../../devstack/sip-server/sip/jssip';
export { digestResponse } from '../../../devstack/sip-server/auth/digest';
export { md5 } from '../../../devstack/sip-server/users';
