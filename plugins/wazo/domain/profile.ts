import { arr, bool, num, numOrNull, obj, str, strOrNull, type JsonObject } from '../util/json';
import { FORWARD_KEYS, ForwardOption } from './forward-option';
import { Line } from './line';
import type { SipLine } from './sip-line';

export const LINE_STATE = {
  AVAILABLE: 'available',
  HOLDING: 'holding',
  RINGING: 'ringing',
  TALKING: 'talking',
  UNAVAILABLE: 'unavailable',
  PROGRESSING: 'progressing',
} as const;

/** A user's configuration (confd `users/{uuid}`). Missing `forwards`/`services` mean "none", not an error. */
export class Profile {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  username: string;
  mobileNumber: string;
  lines: Line[];
  sipLines: SipLine[];
  forwards: ForwardOption[];
  doNotDisturb: boolean;
  subscriptionType: number | null;
  ringSeconds: number | null;
  voicemail: JsonObject | null;
  switchboards: JsonObject[];
  agent: JsonObject | null;
  incalls: JsonObject[];
  callPickupTargetUsers: JsonObject[];
  onlineCallRecordEnabled: boolean;
  status: string;

  constructor(init: Partial<Profile> & { id: string }) {
    this.id = init.id;
    this.firstName = init.firstName ?? '';
    this.lastName = init.lastName ?? '';
    this.email = init.email ?? '';
    this.username = init.username ?? '';
    this.mobileNumber = init.mobileNumber ?? '';
    this.lines = init.lines ?? [];
    this.sipLines = init.sipLines ?? [];
    this.forwards = init.forwards ?? [];
    this.doNotDisturb = init.doNotDisturb ?? false;
    this.subscriptionType = init.subscriptionType ?? null;
    this.ringSeconds = init.ringSeconds ?? null;
    this.voicemail = init.voicemail ?? null;
    this.switchboards = init.switchboards ?? [];
    this.agent = init.agent ?? null;
    this.incalls = init.incalls ?? [];
    this.callPickupTargetUsers = init.callPickupTargetUsers ?? [];
    this.onlineCallRecordEnabled = init.onlineCallRecordEnabled ?? false;
    this.status = init.status ?? '';
  }

  static parse(plain: unknown): Profile {
    const o = obj(plain);
    const forwards = obj(o.forwards);
    const services = obj(o.services);
    return new Profile({
      id: str(o.uuid),
      firstName: str(o.firstName) || str(o.firstname),
      lastName: str(o.lastName) || str(o.lastname),
      email: str(o.email),
      username: str(o.username),
      mobileNumber: str(o.mobile_phone_number),
      lines: arr(o.lines).map(Line.parse),
      forwards: Object.values(FORWARD_KEYS)
        .filter((key) => key in forwards)
        .map((key) => ForwardOption.parse(forwards[key], key)),
      doNotDisturb: bool(obj(services.dnd).enabled),
      subscriptionType: numOrNull(o.subscription_type),
      ringSeconds: numOrNull(o.ring_seconds),
      voicemail: o.voicemail ? obj(o.voicemail) : null,
      switchboards: arr(o.switchboards).map(obj),
      agent: o.agent ? obj(o.agent) : null,
      incalls: arr(o.incalls).map(obj),
      callPickupTargetUsers: arr(o.call_pickup_target_users).map(obj),
      onlineCallRecordEnabled: bool(o.online_call_record_enabled),
    });
  }

  /** The most significant state of a set of line presences: ringing > talking > available > unavailable. */
  static getLinesState(lines: unknown): string {
    const states = arr(lines).map((line) => str(obj(line).state));
    for (const state of [LINE_STATE.RINGING, LINE_STATE.TALKING, LINE_STATE.AVAILABLE]) {
      if (states.includes(state)) return state;
    }
    return LINE_STATE.UNAVAILABLE;
  }

  hasId(id: string): boolean {
    return this.id === id;
  }

  get fullName(): string {
    return `${this.firstName} ${this.lastName}`.trim();
  }

  get mainLineId(): number | null {
    return this.lines.length ? num(this.lines[0].id) : null;
  }

  get primaryNumber(): string | null {
    return strOrNull(this.lines[0]?.extensions[0]?.exten);
  }
}
