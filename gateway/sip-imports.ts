/**
 * The SIP pieces the gateway takes from protocol/sip/ (parser, message model, builder, digest), the
 * code it shares with the development SIP server. Plain RFC 3261 helpers with no server state.
 */
export { parseSipMessage } from '../protocol/sip/parser';
export type { ParseLimits } from '../protocol/sip/parser';
export { SipRequest, SipResponse, makeHeader } from '../protocol/sip/message';
export type { SipMessage, Header } from '../protocol/sip/message';
export { sipMessageBuilder, newBranch, token, REASONS } from '../protocol/sip/builder';
export type { SipMessageBuilder, ResponseOptions } from '../protocol/sip/builder';
export { removeHeaderParam, setHeaderParam } from '../protocol/sip/headers';
export { parseNameAddr, parseUri } from '../protocol/sip/jssip';
export { digestResponse, md5 } from '../protocol/sip/digest';
