/** Dialog state (RFC 3261 §12) and the in-dialog requests built from it. */
import { hopFor, tagOf, uriOf } from './addressing';
import { removeHeaderParam } from '../protocol/sip/headers';
import type { SipRequest, SipResponse } from '../protocol/sip/message';
import type { HostPort, SipUa } from './sip-ua';

export class Dialog {
  constructor(
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** Our From/To header value without tag (name-addr). */
    readonly localParty: string,
    readonly remoteParty: string,
    public localSeq: number,
    public remoteTarget: string,
    readonly routeSet: readonly string[],
  ) {}

  /** UAC side, from the INVITE we sent and a 1xx/2xx with a To-tag (§12.1.2). */
  static fromResponse(invite: SipRequest, response: SipResponse): Dialog | null {
    const remoteTag = tagOf(response.get('to') ?? '');
    const localTag = tagOf(invite.get('from') ?? '');
    if (!remoteTag || !localTag) return null;
    const target = uriOf(response.get('contact') ?? '') || invite.uri;
    return new Dialog(
      invite.core.callId,
      localTag,
      remoteTag,
      stripTag(invite.get('from') ?? ''),
      stripTag(invite.get('to') ?? ''),
      invite.core.cseq,
      target,
      [...response.getAll('record-route')].reverse(),
    );
  }

  /** UAS side, from a received INVITE and the To-tag we chose (§12.1.1). */
  static fromRequest(invite: SipRequest, localTag: string): Dialog | null {
    const remoteTag = tagOf(invite.get('from') ?? '');
    if (!remoteTag) return null;
    const target = uriOf(invite.get('contact') ?? '');
    if (!target) return null;
    return new Dialog(invite.core.callId, localTag, remoteTag, stripTag(invite.get('to') ?? ''), stripTag(invite.get('from') ?? ''), 0, target, invite.getAll('record-route'));
  }

  /** Whether an incoming request belongs here. */
  matches(request: SipRequest): boolean {
    return request.core.callId === this.callId && request.core.toTag === this.localTag && request.core.fromTag === this.remoteTag;
  }

  /** The next in-dialog request, sent by `ua` (ACK reuses the INVITE's CSeq: pass `cseq`). */
  request(method: string, ua: Pick<SipUa, 'viaBase' | 'messages'>, contact: string, headers: ReadonlyArray<readonly [string, string]> = [], body?: string, cseq?: number): SipRequest {
    if (cseq === undefined) this.localSeq++;
    return ua.messages.createRequest({
      method,
      uri: this.remoteTarget,
      via: ua.viaBase,
      from: `${this.localParty};tag=${this.localTag}`,
      to: `${this.remoteParty};tag=${this.remoteTag}`,
      callId: this.callId,
      cseq: cseq ?? this.localSeq,
      headers: [...this.routeSet.map((r) => ['Route', r] as const), ['Contact', `<${contact}>`], ...headers],
      body,
    });
  }

  nextHop(server: HostPort): HostPort {
    return hopFor(this.routeSet[0] ?? this.remoteTarget, server);
  }
}

/** A From/To value without its tag (the params after the URI; none inside it is touched). */
function stripTag(value: string): string {
  return removeHeaderParam(value, 'tag');
}
