// calld's originate (POST /users/me/calls) the way Asterisk does it: ring the user's own line first
// (every registered device; the first to answer wins, the others get the "completed elsewhere"
// CANCEL), then the destination. The engine has no media of its own, so it is a third-party call
// controller (RFC 3725 flow I): the INVITE to the user carries no SDP, the user's 200 carries the
// offer, which goes to the destination in its INVITE, and the destination's answer goes back in the
// ACK. Media then flows end to end. The engine is the peer of both dialogs: what one phone sends in
// its dialog (re-INVITE, BYE, INFO, MESSAGE) is passed to the other by the engine.

import { contactUriText, sipToken, type ClientTxnHandler, type SipAgent, type SipRequest, type SipResponse, type ServerTxn } from '../sip-server';
import { createRequest, createResponse, ENGINE_CONTACT_USER, sendInLeg } from './call-control';
import type { CallLeg, CallRegistry, WazoCall } from './calls';
import type { WazoDirectory, WazoUser } from './directory';
import type { LegDialog } from './leg-ids';
import { ANSWERED_ELSEWHERE, sdpDirection } from './sip-behaviour';

type Stage = 'ringing-user' | 'ringing-destination' | 'up' | 'over';

interface Side {
  dialog: LegDialog;
  leg: CallLeg;
  /** INVITE branches, one per device, still pending. */
  ringing: Array<{ cancel(h?: ReadonlyArray<readonly [string, string]>): void; pending: boolean }>;
  inviteCseq: number;
}

interface Originated {
  call: WazoCall;
  stage: Stage;
  user: Side;
  destination: Side;
  offer: Buffer;
}

export interface OriginateRequest {
  user: WazoUser;
  destination: WazoUser;
  autoAnswer: boolean;
}

const quiet: ClientTxnHandler = { onResponse: () => undefined, onTimeout: () => undefined, onFlowFailure: () => undefined };
const SDP: ReadonlyArray<readonly [string, string]> = [['Content-Type', 'application/sdp']];

export class Originator {
  private readonly byCallId = new Map<string, { o: Originated; side: 'user' | 'destination' }>();

  constructor(
    private readonly agent: SipAgent,
    private readonly calls: CallRegistry,
    private readonly directory: WazoDirectory,
    private readonly domain: string,
  ) {
    // However the call ended (REST hangup, a phone gone), the other phone is told.
    calls.subscribe((e) => {
      if (e.name !== 'call_ended') return;
      const hit = this.byCallId.get(e.data.sip_call_id);
      if (hit) this.finish(hit.o);
    });
  }

  /** Ring `user`'s devices; undefined when it has none. */
  start(req: OriginateRequest): CallLeg | undefined {
    const devices = this.agent.devices(req.user.username);
    if (devices.length === 0) return undefined;
    const aor = (u: WazoUser): string => `"${this.directory.displayName(u)}" <sip:${u.extension}@${this.domain}>`;
    const dialog = (phone: WazoUser, peer: WazoUser): LegDialog => ({
      callId: `${sipToken(12)}@wazo-dev`, localHeader: `<sip:${phone.extension}@${this.domain}>`, remoteHeader: `${aor(peer)};tag=${sipToken(6)}`,
      target: undefined, lastCseq: 0, cseqShift: 0,
    });
    const userDialog = dialog(req.user, req.destination);
    const destinationDialog = dialog(req.destination, req.user);
    const call = this.calls.created({ caller: userDialog.callId, callee: destinationDialog.callId }, '', req.user, req.destination, false);
    const o: Originated = {
      call, stage: 'ringing-user', offer: Buffer.alloc(0),
      user: { dialog: userDialog, leg: call.caller, ringing: [], inviteCseq: 0 },
      destination: { dialog: destinationDialog, leg: call.callee, ringing: [], inviteCseq: 0 },
    };
    this.byCallId.set(userDialog.callId, { o, side: 'user' });
    this.byCallId.set(destinationDialog.callId, { o, side: 'destination' });
    // Asterisk's auto-answer hints, only when the caller asked for them (auto_answer_caller).
    const hints: Array<[string, string]> = req.autoAnswer ? [['Alert-Info', '<http://wazo.community>;info=alert-autoanswer;delay=0'], ['Answer-Mode', 'Auto']] : [];
    this.invite(o, o.user, devices, Buffer.alloc(0), [['X-Wazo-Call-ID', call.caller.call_id], ...hints], (res) => this.userAnswered(o, res));
    return call.caller;
  }

  /** Is this call one the engine originated (it is then the peer of both phones)? */
  owns(sipCallId: string): boolean {
    return this.byCallId.has(sipCallId);
  }

  /** The dialog of an originated call's leg, to speak in it (DTMF). */
  dialogOf(sipCallId: string): LegDialog | undefined {
    const hit = this.byCallId.get(sipCallId);
    return hit ? hit.o[hit.side].dialog : undefined;
  }

  /** calld hangup: whatever the stage, both phones are let go. */
  hangup(sipCallId: string): void {
    const hit = this.byCallId.get(sipCallId);
    if (hit) this.calls.ended(hit.o.call.sipCallId);
  }

  private invite(o: Originated, side: Side, devices: string[], body: Buffer, headers: ReadonlyArray<readonly [string, string]>, onAnswer: (res: SipResponse) => void): void {
    const cseq = (side.inviteCseq = side.dialog.lastCseq = side.dialog.lastCseq + 1);
    let answered = false;
    for (const device of devices) {
      const txn = this.agent.send(device, (uri, via, branch) => createRequest({
        method: 'INVITE', uri, via, branch, from: side.dialog.remoteHeader, to: side.dialog.localHeader, callId: side.dialog.callId, cseq,
        headers: [['Contact', this.agent.contact(ENGINE_CONTACT_USER)], ...headers, ...(body.length ? SDP : [])],
        body,
      }), {
        onResponse: (res) => {
          if (res.status < 200) return;
          if (res.status < 300) {
            if (answered || o.stage === 'over') return;
            answered = true;
            side.dialog.localHeader = res.get('to') ?? side.dialog.localHeader;
            side.dialog.target = contactUriText(res.get('contact') ?? '');
            for (const other of side.ringing) if (other !== txn && other.pending) other.cancel(ANSWERED_ELSEWHERE);
            onAnswer(res);
            return;
          }
          this.branchFailed(o, side);
        },
        onTimeout: (t) => {
          t.cancel();
          this.branchFailed(o, side);
        },
        onFlowFailure: () => this.branchFailed(o, side),
      });
      if (txn) side.ringing.push(txn);
    }
    if (side.ringing.length === 0) this.calls.ended(o.call.sipCallId);
  }

  /** One device said no (or never answered): when none is left ringing, the call is over. */
  private branchFailed(o: Originated, side: Side): void {
    if (o.stage === 'over' || side.ringing.some((t) => t.pending)) return;
    if ((side === o.user && o.stage === 'ringing-user') || (side === o.destination && o.stage === 'ringing-destination')) this.calls.ended(o.call.sipCallId);
  }

  private userAnswered(o: Originated, res: SipResponse): void {
    o.offer = res.body;
    o.stage = 'ringing-destination';
    const devices = this.agent.devices(o.destination.leg.caller_id_number);
    this.invite(o, o.destination, devices, o.offer, [['X-Wazo-Call-ID', o.call.callee.call_id]], (answer) => this.destinationAnswered(o, answer));
  }

  private destinationAnswered(o: Originated, res: SipResponse): void {
    o.stage = 'up';
    this.ack(o.destination, Buffer.alloc(0));
    this.ack(o.user, res.body);
    this.calls.answered(o.call.sipCallId);
  }

  private ack(side: Side, body: Buffer): void {
    const { dialog } = side;
    if (!dialog.target) return;
    this.agent.sendAck(dialog.target, (uri, via, branch) => createRequest({
      method: 'ACK', uri, via, branch, from: dialog.remoteHeader, to: dialog.localHeader, callId: dialog.callId, cseq: side.inviteCseq,
      headers: [['Contact', this.agent.contact(ENGINE_CONTACT_USER)], ...(body.length ? SDP : [])], body,
    }));
  }

  /** Let both phones go: CANCEL what rings, ACK an unacknowledged 200, BYE what is up. */
  private finish(o: Originated): void {
    if (o.stage === 'over') return;
    const stage = o.stage;
    o.stage = 'over';
    for (const side of [o.user, o.destination]) for (const t of side.ringing) if (t.pending) t.cancel();
    if (stage === 'ringing-destination') this.ack(o.user, Buffer.alloc(0));
    for (const side of stage === 'up' ? [o.user, o.destination] : stage === 'ringing-destination' ? [o.user] : []) {
      sendInLeg(this.agent, side.dialog, { method: 'BYE' }, quiet);
    }
    const timer = setTimeout(() => {
      this.byCallId.delete(o.user.dialog.callId);
      this.byCallId.delete(o.destination.dialog.callId);
    }, 32_000);
    timer.unref();
  }

  /**
   * A request one phone sent in its dialog with the engine: BYE ends the call, ACK was the engine's
   * to send, anything else is passed to the other phone and its answer comes back.
   */
  ownRequest(req: SipRequest, txn: ServerTxn | undefined): boolean {
    const hit = this.byCallId.get(req.core.callId);
    if (!hit) return false;
    if (!txn) return true; // ACK: the engine acknowledged the other phone's 2xx itself
    const { o, side } = hit;
    const from = o[side];
    const to = side === 'user' ? o.destination : o.user;
    if (req.method === 'BYE') {
      txn.respond(createResponse(req, 200));
      this.calls.ended(o.call.sipCallId);
      return true;
    }
    if (o.stage !== 'up') {
      // The other phone is not there yet: the offer/answer is still open (RFC 3261 14.2), try later.
      txn.respond(createResponse(req, o.stage === 'over' ? 481 : 491, { headers: o.stage === 'over' ? [] : [['Retry-After', '1']] }));
      return true;
    }
    if (req.method === 'REFER') {
      txn.respond(createResponse(req, 501, { reason: 'Not Implemented (transfer of an originated call)' }));
      return true;
    }
    const contentType = req.get('content-type');
    const sent = sendInLeg(this.agent, to.dialog, { method: req.method, headers: contentType ? [['Content-Type', contentType]] : [], body: req.body }, {
      onResponse: (res) => {
        if (res.status < 200) return;
        const isInvite = req.method === 'INVITE';
        if (isInvite && res.status < 300) {
          const ackCseq = res.core.cseq;
          this.agent.sendAck(to.dialog.target ?? '', (uri, via, branch) => createRequest({
            method: 'ACK', uri, via, branch, from: to.dialog.remoteHeader, to: to.dialog.localHeader, callId: to.dialog.callId, cseq: ackCseq,
          }));
          const direction = sdpDirection(req.body);
          if (direction) this.calls.setHold(from.leg, direction === 'sendonly' || direction === 'inactive');
        }
        const type = res.get('content-type');
        txn.respond(createResponse(req, res.status, {
          reason: res.reason, body: res.body,
          headers: [...(isInvite ? [['Contact', this.agent.contact(ENGINE_CONTACT_USER)] as const] : []), ...(type ? [['Content-Type', type] as const] : [])],
        }));
      },
      onTimeout: () => txn.respond(createResponse(req, 408)),
      onFlowFailure: () => txn.respond(createResponse(req, 480)),
    });
    if (!sent) txn.respond(createResponse(req, 480));
    return true;
  }

  clear(): void {
    this.byCallId.clear();
  }
}
