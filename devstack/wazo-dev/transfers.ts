// calld transfers (`/users/me/transfers`) as Wazo's Asterisk performs them: the initiator A is in a
// call with B (the transferred party); the recipient C (the `exten` user) is rung by the engine.
// - blind: A's leg ends at once; when C answers, B talks to C (C not answering: B's call ends).
// - attended: when C answers, A talks to C while B waits alone (Wazo plays music on hold; the engine
//   has no media: B hears nothing). complete: B talks to C, A's leg ends; cancel: C's leg ends, A talks
//   to B again; C not answering or hanging up: the transfer is abandoned, A and B stay together.
// Asterisk keeps each phone's SIP dialog and only moves channels between bridges. The engine has no
// media, so moving a party means renegotiating its existing PeerConnection with a new peer (RFC 3725):
// C is invited without SDP and its 200 carries an offer, which goes to the party joining it in a
// re-INVITE; that party's answer goes to C in the ACK (flow I). Two dialogs already up are re-paired by
// a re-INVITE without SDP to one (its 200 carries an offer) and a re-INVITE with that offer to the other.
// From the first transfer on, the engine is the SIP peer of every dialog involved (relay.ts).

import { randomUUID } from 'node:crypto';
import type { SipAgent, SipResponse } from '../sip-server';
import { ackInLeg, SDP_TYPE, sendInLeg } from './call-control';
import type { CallLeg, CallRegistry } from './calls';
import { TENANT_UUID, type WazoDirectory, type WazoUser } from './directory';
import type { LegDialog, LegIds } from './leg-ids';
import { parkedAnswer, parkedHoldOffer } from './parked-sdp';
import type { DialogRelay, OwnedLeg } from './relay';
import { engineDialog, ringDevices, type Ringing } from './ring';

export type TransferFlow = 'attended' | 'blind';
export type TransferStatus = 'starting' | 'ringback' | 'answered' | 'blind_transferred' | 'abandoned';

/** calld's `Transfer` (recipient_call absent until the recipient's leg exists: the spec says string). */
export interface TransferView {
  id: string;
  initiator_uuid: string;
  initiator_tenant_uuid: string;
  transferred_call: string;
  initiator_call: string;
  recipient_call?: string;
  status: TransferStatus;
  flow: TransferFlow;
}

export type TransferRefusal = 'no-such-call' | 'not-yours' | 'not-up' | 'invalid-extension' | 'in-progress';

interface Transfer {
  view: TransferView;
  initiator: OwnedLeg;
  transferred: OwnedLeg;
  recipientLeg: CallLeg;
  recipientDialog: LegDialog;
  recipient: OwnedLeg | undefined;
  ringing: Ringing | undefined;
  timer: NodeJS.Timeout | undefined;
  /** blind, or completed while the recipient rings: B joins C when C answers, A is already gone */
  joinTransferred: boolean;
  /** completed or cancelled by the initiator (its SIP may still be under way) */
  settled: boolean;
  over: boolean;
}

type SettleResult = 'done' | 'not-found' | 'forbidden';

/** An attended transfer the initiator may still complete or cancel (blind ones are not listed: calld reports them done at once). */
const listed = (t: Transfer): boolean => !t.settled && t.view.flow === 'attended';

const RETRIES_ON_491 = 4;
const RETRY_MS = 300;

export class Transfers {
  /** transfers not over yet (finish() removes them) */
  private readonly byId = new Map<string, Transfer>();
  /** parks under way (a renegotiation of the same phone waits for it) */
  private readonly parking = new WeakMap<OwnedLeg, Promise<void>>();

  constructor(
    private readonly agent: SipAgent,
    private readonly calls: CallRegistry,
    private readonly directory: WazoDirectory,
    private readonly legs: LegIds,
    private readonly relay: DialogRelay,
    private readonly options: { domain: string; ringSeconds: number; warn: (line: string) => void },
  ) {}

  /** The user's transfers in progress (calld lists attended ones until they complete or are cancelled). */
  list(user: WazoUser): TransferView[] {
    return [...this.byId.values()].filter((t) => listed(t) && t.view.initiator_uuid === user.uuid).map((t) => ({ ...t.view }));
  }

  start(user: WazoUser, initiatorCall: string, exten: string, flow: TransferFlow, timeoutSeconds: number | undefined): TransferView | TransferRefusal {
    const leg = this.calls.leg(user.uuid, initiatorCall);
    if (!leg) return this.directory.list().some((u) => this.calls.leg(u.uuid, initiatorCall)) ? 'not-yours' : 'no-such-call';
    const call = this.calls.callOfLeg(user.uuid, initiatorCall);
    if (!call?.answered) return 'not-up';
    const other = call.caller === leg ? call.callee : call.caller;
    if ([...this.byId.values()].some((t) => [t.initiator.leg, t.transferred.leg, t.recipientLeg].some((l) => l === leg || l === other))) return 'in-progress';
    const recipient = this.directory.byName(exten);
    if (!recipient || recipient.uuid === user.uuid || recipient.uuid === other.user_uuid) return 'invalid-extension';
    const initiator = this.takeOver(leg);
    const transferred = this.takeOver(other);
    if (!initiator || !transferred) return 'not-up';
    this.relay.pair(initiator, transferred);

    const transferredUser = this.directory.byUuidOrId(other.user_uuid) ?? user;
    const recipientDialog = engineDialog(this.directory, this.options.domain, recipient, flow === 'blind' ? transferredUser : user);
    const recipientLeg = this.calls.ringLeg(recipient, flow === 'blind' ? transferredUser : user, recipientDialog.callId);
    const t: Transfer = {
      view: {
        id: randomUUID(), initiator_uuid: user.uuid, initiator_tenant_uuid: TENANT_UUID, transferred_call: other.call_id,
        initiator_call: leg.call_id, recipient_call: recipientLeg.call_id, status: flow === 'blind' ? 'blind_transferred' : 'ringback', flow,
      },
      initiator, transferred, recipientLeg, recipientDialog, recipient: undefined, ringing: undefined, timer: undefined,
      joinTransferred: flow === 'blind', settled: false, over: false,
    };
    this.byId.set(t.view.id, t);
    initiator.onBye = () => this.initiatorLeft(t);
    transferred.onBye = () => this.transferredLeft(t);
    // blind: Asterisk hangs up the initiator's channel at once
    if (flow === 'blind') {
      this.calls.regroup({ lone: [transferred.leg], ended: [initiator.leg] });
      void this.park(transferred);
    }

    const devices = this.agent.devices(recipient.username);
    t.ringing = ringDevices(this.agent, recipientDialog, devices, Buffer.alloc(0), [['X-Wazo-Call-ID', recipientLeg.call_id]], {
      answered: (res) => void this.recipientAnswered(t, res),
      failed: () => this.recipientFailed(t),
    });
    if (!t.ringing) setImmediate(() => this.recipientFailed(t));
    const ringSeconds = timeoutSeconds && timeoutSeconds > 0 ? timeoutSeconds : this.options.ringSeconds;
    t.timer = setTimeout(() => {
      t.ringing?.cancel();
      this.recipientFailed(t);
    }, ringSeconds * 1000);
    t.timer.unref();
    return { ...t.view };
  }

  /** PUT …/complete. */
  complete(user: WazoUser, id: string): SettleResult {
    return this.settle(user, id, (t) => this.completeNow(t));
  }

  /** DELETE …/{transfer_id}. */
  cancel(user: WazoUser, id: string): SettleResult {
    return this.settle(user, id, (t) => {
      if (t.view.status === 'answered') {
        void this.repair(t, t.transferred, t.initiator, t.recipient);
      } else {
        t.ringing?.cancel();
        this.finish(t, { ended: [t.recipientLeg] });
      }
    });
  }

  /** The initiator ends its listed transfer `id` (complete or cancel: `act`); calld's refusals otherwise. */
  private settle(user: WazoUser, id: string, act: (t: Transfer) => void): SettleResult {
    const t = this.byId.get(id);
    if (!t || !listed(t)) return 'not-found';
    if (t.view.initiator_uuid !== user.uuid) return 'forbidden';
    t.settled = true;
    act(t);
    return 'done';
  }

  clear(): void {
    for (const t of this.byId.values()) clearTimeout(t.timer);
    this.byId.clear();
  }

  /** The engine becomes the peer of a leg's dialog (a proxied call's leg, or one it already owns). */
  private takeOver(leg: CallLeg): OwnedLeg | undefined {
    const dialog = this.relay.dialogOf(leg.sip_call_id) ?? this.legs.legOf(leg.sip_call_id);
    return dialog?.target ? this.relay.own(dialog, leg) : undefined;
  }

  private completeNow(t: Transfer): void {
    if (t.view.status === 'answered' && t.recipient) {
      void this.repair(t, t.transferred, t.recipient, t.initiator);
      return;
    }
    // still ringing: the initiator leaves now, the transferred party gets the recipient when it answers
    t.joinTransferred = true;
    this.calls.regroup({ lone: [t.transferred.leg], ended: [t.initiator.leg] });
    void this.park(t.transferred);
  }

  private async recipientAnswered(t: Transfer, res: SipResponse): Promise<void> {
    clearTimeout(t.timer);
    const recipient = (t.recipient = this.relay.own(t.recipientDialog, t.recipientLeg));
    recipient.onBye = () => this.recipientLeft(t);
    this.calls.legAnswered(t.recipientLeg);
    if (t.over) return this.relay.bye(recipient);
    const joining = t.joinTransferred ? t.transferred : t.initiator;
    await this.parking.get(joining);
    recipient.busy = joining.busy = true;
    const answer = await this.offer(joining, res.body);
    recipient.busy = joining.busy = false;
    ackInLeg(this.agent, t.recipientDialog, t.ringing?.cseq ?? 0, answer ?? Buffer.alloc(0));
    if (!answer) return this.fail(t);
    this.relay.pair(joining, recipient);
    if (t.joinTransferred) return this.finish(t, { pairs: [[t.transferred.leg, t.recipientLeg]] });
    t.view.status = 'answered';
    this.relay.pair(t.transferred, undefined);
    this.calls.regroup({ pairs: [[t.initiator.leg, t.recipientLeg]], lone: [t.transferred.leg] });
    await this.park(t.transferred);
  }

  /**
   * `party` waits alone: its media is parked (a re-INVITE without SDP, its offer answered with a parked
   * answer, then a hold offer on the same parked parameters) instead of left pointing at a
   * PeerConnection that moved on, whose silence its phone would take for a broken path (ICE restarts
   * every few seconds, transports/webrtc/ice-restart.ts).
   */
  private park(party: OwnedLeg): Promise<void> {
    if (party.partner || party.busy) return Promise.resolve();
    party.busy = true;
    const parking = (async () => {
      const offered = await this.reinvite(party, Buffer.alloc(0));
      const answer = offered?.body.length ? parkedAnswer(offered.body) : undefined;
      if (offered) ackInLeg(this.agent, party.dialog, offered.core.cseq, answer);
      if (answer && !party.byed) await this.offer(party, parkedHoldOffer(answer));
      party.busy = false;
    })();
    this.parking.set(party, parking);
    return parking;
  }

  /** Nobody answered (or every device refused): attended → abandoned, A and B go on; blind → B's call ends. */
  private recipientFailed(t: Transfer): void {
    if (t.over || t.recipient) return;
    t.view.status = 'abandoned';
    this.finish(t, { ended: t.joinTransferred ? [t.recipientLeg, t.transferred.leg] : [t.recipientLeg] });
  }

  /** A hung up: as calld does, the transfer completes. */
  private initiatorLeft(t: Transfer): void {
    this.completeNow(t);
  }

  /** B hung up: nothing left to transfer; C (if answered) stays with A. */
  private transferredLeft(t: Transfer): void {
    t.ringing?.cancel();
    if (t.recipient && !t.joinTransferred) return this.finish(t, { ended: [t.transferred.leg] });
    this.finish(t, { ended: [t.transferred.leg, t.initiator.leg, t.recipientLeg].filter((l) => l.status !== 'Down') });
  }

  /** C hung up while talking to A: abandoned, A talks to B again. */
  private recipientLeft(t: Transfer): void {
    if (t.over || t.joinTransferred) {
      this.calls.ended(t.recipientLeg.sip_call_id);
      return;
    }
    t.view.status = 'abandoned';
    void this.repair(t, t.transferred, t.initiator, t.recipient);
  }

  /**
   * `a` and `b` (both up, each in a dialog with the engine) talk to each other from now on, `leaving`
   * (if any) ends: a re-INVITE without SDP to `a` (its 200 has an offer), the offer to `b`, `b`'s answer
   * to `a` in the ACK. `a` is the parked party: its offer is then new to `b`, whose answer restarts ICE
   * and DTLS (measured in Chromium: media back in about a second; with the roles the other way round,
   * only the phones' own ICE restarts brought it back, after about 4 s).
   */
  private async repair(t: Transfer, a: OwnedLeg, b: OwnedLeg, leaving: OwnedLeg | undefined): Promise<void> {
    await Promise.all([this.parking.get(a), this.parking.get(b)]);
    a.busy = b.busy = true;
    const offered = await this.reinvite(a, Buffer.alloc(0));
    const answer = offered?.body.length ? await this.offer(b, offered.body) : undefined;
    a.busy = b.busy = false;
    if (offered) ackInLeg(this.agent, a.dialog, offered.core.cseq, answer ?? Buffer.alloc(0));
    if (!answer) return this.fail(t);
    this.relay.pair(a, b);
    this.finish(t, { pairs: [[a.leg, b.leg]], ended: leaving && leaving.leg.status !== 'Down' ? [leaving.leg] : [] });
  }

  /** Re-INVITE `party` with `offer`; its answer (the 2xx is acknowledged), or undefined. */
  private async offer(party: OwnedLeg, offer: Buffer): Promise<Buffer | undefined> {
    const res = await this.reinvite(party, offer);
    if (!res) return undefined;
    ackInLeg(this.agent, party.dialog, res.core.cseq);
    return res.body.length ? res.body : undefined;
  }

  /** A re-INVITE in `party`'s dialog (retried on 491, the phone's own re-INVITE crossing it); the 2xx or undefined. */
  private async reinvite(party: OwnedLeg, body: Buffer): Promise<SipResponse | undefined> {
    for (let attempt = 0; attempt <= RETRIES_ON_491; attempt += 1) {
      const res = await new Promise<SipResponse | undefined>((resolve) => {
        const sent = sendInLeg(this.agent, party.dialog, { method: 'INVITE', headers: body.length ? SDP_TYPE : [], body }, {
          onResponse: (r) => { if (r.status >= 200) resolve(r); },
          onTimeout: () => resolve(undefined),
          onFlowFailure: () => resolve(undefined),
        });
        if (!sent) resolve(undefined);
      });
      if (res && res.status >= 300) this.options.warn(`transfer: re-INVITE to ${party.leg.caller_id_number} (${party.dialog.callId}) answered ${res.status} ${res.reason}${res.status === 491 ? ', retrying' : ''}`);
      if (!res) this.options.warn(`transfer: re-INVITE to ${party.leg.caller_id_number} (${party.dialog.callId}) got no answer`);
      if (res?.status === 491) {
        await new Promise((r) => setTimeout(r, RETRY_MS * (attempt + 1)).unref());
        continue;
      }
      return res && res.status < 300 ? res : undefined;
    }
    return undefined;
  }

  /** A renegotiation failed: the phones cannot be bridged as asked, every leg of the transfer ends. */
  private fail(t: Transfer): void {
    const legs = [t.initiator.leg, t.transferred.leg, t.recipientLeg].filter((l) => l.status !== 'Down');
    this.finish(t, { ended: legs });
  }

  private finish(t: Transfer, change: Parameters<CallRegistry['regroup']>[0]): void {
    t.over = true;
    clearTimeout(t.timer);
    for (const party of [t.initiator, t.transferred, t.recipient]) if (party) party.onBye = undefined;
    this.byId.delete(t.view.id);
    this.calls.regroup(change);
  }
}
