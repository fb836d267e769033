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
    const now = new Date().toISOString();
    const conversation = uniqueId();
    const leg = (user: WazoUser, peer: WazoUser, isCaller: boolean, legSipCallId: string): CallLeg => ({
      call_id: uniqueId(), conversation_id: conversation, user_uuid: user.uuid, status: isCaller ? 'Ring' : 'Ringing',
      talking_to: {}, bridges: [], creation_time: now, direction: 'internal',
      caller_id_name: this.directory.displayName(user), caller_id_number: user.extension,
      peer_caller_id_name: this.directory.displayName(peer), peer_caller_id_number: peer.extension,
      on_hold: false, muted: false, is_caller: isCaller, parked: false, is_video: isVideo, dialed_extension: callee.extension,
      sip_call_id: legSipCallId, line_id: user.line.id, record_state: 'inactive',
    });
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

  ended(sipCallId: string): void {
    const call = this.find(sipCallId);
    if (!call) return;
    this.calls.delete(call.sipCallId);
    this.keys.delete(call.caller.sip_call_id);
    this.keys.delete(call.callee.sip_call_id);
    const now = new Date().toISOString();
    for (const leg of [call.caller, call.callee]) {
      leg.status = 'Down';
      leg.hangup_time = now;
      leg.talking_to = {};
      this.publish('call_ended', leg);
    }
  }

  /** A user's last device went away (WebSocket closed, un-REGISTER): its calls cannot go on. */
  userGone(userUuid: string): void {
    for (const call of [...this.calls.values()]) {
      if (call.caller.user_uuid === userUuid || call.callee.user_uuid === userUuid) this.ended(call.sipCallId);
    }
  }

  /** The legs of `userUuid` (calld's `GET users/me/calls`). */
  legsOf(userUuid: string): CallLeg[] {
    return [...this.calls.values()].flatMap((c) => [c.caller, c.callee]).filter((l) => l.user_uuid === userUuid);
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
    this.bus.removeAllListeners();
  }
}
