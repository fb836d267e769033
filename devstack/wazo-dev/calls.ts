// wazo-calld's view of the calls: one leg per user in a call, in the shape of calld's `Call` schema,
// published on the bus (call_created, call_answered, call_updated, call_held, call_resumed,
// call_ended) to the leg's user. As on Wazo, each leg has its own SIP Call-ID (leg-ids.ts) and its
// own `call_id` (an Asterisk "uniqueid"); `sip_call_id` is the exact Call-ID that leg's phone sees.

import { EventEmitter } from 'node:events';
import type { WazoDirectory, WazoUser } from './directory';

export interface CallLeg {
  call_id: string;
  conversation_id: string;
  user_uuid: string;
  status: 'Ring' | 'Ringing' | 'Up' | 'Down';
  talking_to: Record<string, string>;
  bridges: string[];
  creation_time: string;
  /** Absent until answered / hung up (calld sends null, which its own spec does not allow). */
  answer_time?: string;
  hangup_time?: string;
  direction: 'internal';
  caller_id_name: string;
  caller_id_number: string;
  peer_caller_id_name: string;
  peer_caller_id_number: string;
  on_hold: boolean;
  muted: boolean;
  is_caller: boolean;
  parked: boolean;
  is_video: boolean;
  dialed_extension: string;
  sip_call_id: string;
  line_id: number;
  record_state: 'inactive';
}

export type CallEventName = 'call_created' | 'call_answered' | 'call_updated' | 'call_held' | 'call_resumed' | 'call_ended';

export interface BusEvent {
  name: CallEventName;
  userUuid: string;
  data: CallLeg;
}

export interface WazoCall {
  /** The caller's leg's SIP Call-ID (the call's key); the callee's is `callee.sip_call_id`. */
  sipCallId: string;
  /** From-tag of the initial INVITE: tells which party sent an in-dialog request. */
  callerTag: string;
  caller: CallLeg;
  callee: CallLeg;
  answered: boolean;
}

let sequence = 0;

/** An Asterisk-like uniqueid: "<epoch seconds>.<counter>". */
function uniqueId(): string {
  sequence += 1;
  return `${Math.floor(Date.now() / 1000)}.${sequence}`;
}

export class CallRegistry {
  private readonly calls = new Map<string, WazoCall>();
  /** Either leg's SIP Call-ID → the caller leg's (the key of `calls`). */
  private readonly keys = new Map<string, string>();
  /** Legs in no call: a transfer's recipient while it rings, a transferred party waiting (attended). */
  private readonly lone = new Map<string, CallLeg>();
  private readonly bus = new EventEmitter();

  constructor(private readonly directory: WazoDirectory) {}

  /** Listen to every event published on the bus; returns an unsubscribe function. */
  subscribe(listener: (e: BusEvent) => void): () => void {
    this.bus.on('event', listener);
    return () => this.bus.off('event', listener);
  }

  private publish(name: CallEventName, leg: CallLeg): void {
    this.bus.emit('event', { name, userUuid: leg.user_uuid, data: { ...leg, talking_to: { ...leg.talking_to } } } satisfies BusEvent);
  }

  /** An INVITE from `caller` to `callee` was accepted for forwarding. Returns the legs (existing ones for a repeat). */
  created(sipCallIds: { caller: string; callee: string }, callerTag: string, caller: WazoUser, callee: WazoUser, isVideo: boolean): WazoCall {
    const sipCallId = sipCallIds.caller;
    const existing = this.calls.get(sipCallId);
    if (existing) return existing;
    const conversation = uniqueId();
    const leg = (user: WazoUser, peer: WazoUser, isCaller: boolean, legSipCallId: string): CallLeg =>
      this.newLeg({ user, peer, isCaller, sipCallId: legSipCallId, dialedExtension: callee.extension, isVideo, conversation });
    const call: WazoCall = {
      sipCallId, callerTag, caller: leg(caller, callee, true, sipCallIds.caller), callee: leg(callee, caller, false, sipCallIds.callee), answered: false,
    };
    this.calls.set(sipCallId, call);
    this.keys.set(sipCallIds.caller, sipCallId);
    this.keys.set(sipCallIds.callee, sipCallId);
    this.publish('call_created', call.caller);
    this.publish('call_created', call.callee);
    return call;
  }

  private newLeg(o: { user: WazoUser; peer: WazoUser; isCaller: boolean; sipCallId: string; dialedExtension: string; isVideo: boolean; conversation: string }): CallLeg {
    return {
      call_id: uniqueId(), conversation_id: o.conversation, user_uuid: o.user.uuid, status: o.isCaller ? 'Ring' : 'Ringing',
      talking_to: {}, bridges: [], creation_time: new Date().toISOString(), direction: 'internal',
      caller_id_name: this.directory.displayName(o.user), caller_id_number: o.user.extension,
      peer_caller_id_name: this.directory.displayName(o.peer), peer_caller_id_number: o.peer.extension,
      on_hold: false, muted: false, is_caller: o.isCaller, parked: false, is_video: o.isVideo, dialed_extension: o.dialedExtension,
      sip_call_id: o.sipCallId, line_id: o.user.line.id, record_state: 'inactive',
    };
  }

  /** A leg of its own that rings `user` (a transfer's recipient): call_created; regroup() bridges it once answered. */
  ringLeg(user: WazoUser, peer: WazoUser, sipCallId: string): CallLeg {
    const leg = this.newLeg({ user, peer, isCaller: false, sipCallId, dialedExtension: user.extension, isVideo: false, conversation: uniqueId() });
    this.lone.set(sipCallId, leg);
    this.publish('call_created', leg);
    return leg;
  }

  /** A lone leg's phone answered. */
  legAnswered(leg: CallLeg): void {
    leg.status = 'Up';
    leg.answer_time = new Date().toISOString();
    this.publish('call_answered', leg);
  }

  /**
   * Legs change partners (a transfer, as Asterisk moves channels between bridges): each pair talks to
   * each other, each `lone` leg to nobody, each `ended` leg is over. The calls they were in dissolve;
   * `call_updated` (or `call_ended`) tells each leg's user.
   */
  regroup(change: { pairs?: Array<[CallLeg, CallLeg]>; lone?: CallLeg[]; ended?: CallLeg[] }): void {
    const pairs = change.pairs ?? [];
    const moved = [...pairs.flat(), ...(change.lone ?? []), ...(change.ended ?? [])];
    for (const leg of moved) {
      this.lone.delete(leg.sip_call_id);
      const call = this.find(leg.sip_call_id);
      if (!call) continue;
      this.calls.delete(call.sipCallId);
      for (const l of [call.caller, call.callee]) {
        this.keys.delete(l.sip_call_id);
        // a leg of a dissolved call the change does not name waits alone
        if (!moved.includes(l)) this.lone.set(l.sip_call_id, l);
      }
    }
    for (const [a, b] of pairs) {
      this.calls.set(a.sip_call_id, { sipCallId: a.sip_call_id, callerTag: '', caller: a, callee: b, answered: true });
      for (const [leg, peer] of [[a, b], [b, a]] as const) {
        this.keys.set(leg.sip_call_id, a.sip_call_id);
        leg.talking_to = { [peer.call_id]: peer.user_uuid };
        leg.peer_caller_id_name = peer.caller_id_name;
        leg.peer_caller_id_number = peer.caller_id_number;
        this.publish('call_updated', leg);
      }
    }
    for (const leg of change.lone ?? []) {
      this.lone.set(leg.sip_call_id, leg);
      leg.talking_to = {};
      this.publish('call_updated', leg);
    }
    for (const leg of change.ended ?? []) this.endLeg(leg);
  }

  private endLeg(leg: CallLeg): void {
    this.lone.delete(leg.sip_call_id);
    leg.status = 'Down';
    leg.hangup_time = new Date().toISOString();
    leg.talking_to = {};
    this.publish('call_ended', leg);
  }

  /** The call one of whose legs has this SIP Call-ID. */
  find(sipCallId: string): WazoCall | undefined {
    const key = this.keys.get(sipCallId);
    return key === undefined ? undefined : this.calls.get(key);
  }

  answered(sipCallId: string): void {
    const call = this.find(sipCallId);
    if (!call || call.answered) return;
    call.answered = true;
    const now = new Date().toISOString();
    for (const [leg, peer] of [[call.caller, call.callee], [call.callee, call.caller]] as const) {
      leg.status = 'Up';
      leg.answer_time = now;
      leg.talking_to = { [peer.call_id]: peer.user_uuid };
    }
    this.publish('call_answered', call.caller);
    this.publish('call_answered', call.callee);
    this.publish('call_updated', call.caller);
    this.publish('call_updated', call.callee);
  }

  /** A re-INVITE from the party with `fromTag` was accepted; `held` = its offer was sendonly/inactive. */
  holdChanged(sipCallId: string, fromTag: string | undefined, held: boolean): void {
    const call = this.find(sipCallId);
    if (!call) return;
    const leg = fromTag === call.callerTag ? call.caller : call.callee;
    this.setHold(leg, held);
  }

  setHold(leg: CallLeg, held: boolean): void {
    if (leg.on_hold === held) return;
    leg.on_hold = held;
    this.publish(held ? 'call_held' : 'call_resumed', leg);
    this.publish('call_updated', leg);
  }

  setMuted(leg: CallLeg, muted: boolean): void {
    if (leg.muted === muted) return;
    leg.muted = muted;
    this.publish('call_updated', leg);
  }

  /** The call of this leg is over (both legs), or this lone leg is. */
  ended(sipCallId: string): void {
    const lone = this.lone.get(sipCallId);
    if (lone) return this.endLeg(lone);
    const call = this.find(sipCallId);
    if (!call) return;
    this.calls.delete(call.sipCallId);
    this.keys.delete(call.caller.sip_call_id);
    this.keys.delete(call.callee.sip_call_id);
    for (const leg of [call.caller, call.callee]) this.endLeg(leg);
  }

  /** A user's last device went away (WebSocket closed, un-REGISTER): its calls cannot go on. */
  userGone(userUuid: string): void {
    for (const call of [...this.calls.values()]) {
      if (call.caller.user_uuid === userUuid || call.callee.user_uuid === userUuid) this.ended(call.sipCallId);
    }
    for (const leg of [...this.lone.values()]) if (leg.user_uuid === userUuid) this.endLeg(leg);
  }

  /** The legs of `userUuid` (calld's `GET users/me/calls`). */
  legsOf(userUuid: string): CallLeg[] {
    return [...this.calls.values()].flatMap((c) => [c.caller, c.callee]).concat([...this.lone.values()]).filter((l) => l.user_uuid === userUuid);
  }

  leg(userUuid: string, callId: string): CallLeg | undefined {
    return this.legsOf(userUuid).find((l) => l.call_id === callId);
  }

  /** The call a user's leg (`call_id`) belongs to. */
  callOfLeg(userUuid: string, callId: string): WazoCall | undefined {
    return [...this.calls.values()].find((c) => [c.caller, c.callee].some((l) => l.user_uuid === userUuid && l.call_id === callId));
  }

  clear(): void {
    this.calls.clear();
    this.keys.clear();
    this.lone.clear();
    this.bus.removeAllListeners();
  }
}
