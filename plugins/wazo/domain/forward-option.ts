import { bool, obj, str } from '../util/json';

export const FORWARD_KEYS = { BUSY: 'busy', NO_ANSWER: 'noanswer', UNCONDITIONAL: 'unconditional' } as const;
export type ForwardKey = (typeof FORWARD_KEYS)[keyof typeof FORWARD_KEYS];

/** One of a user's call forwards (confd `users/{uuid}` → `forwards.<key>`). */
export class ForwardOption {
  destination: string;
  enabled: boolean;
  key: ForwardKey;

  constructor({ destination = '', enabled = false, key }: { destination?: string; enabled?: boolean; key: ForwardKey }) {
    this.destination = destination;
    this.enabled = enabled;
    this.key = key;
  }

  static parse(plain: unknown, key: ForwardKey): ForwardOption {
    const o = obj(plain);
    return new ForwardOption({ destination: str(o.destination), enabled: bool(o.enabled), key });
  }

  setDestination(destination: string): ForwardOption {
    this.destination = destination;
    return this;
  }

  setEnabled(enabled: boolean): ForwardOption {
    this.enabled = enabled;
    return this;
  }
}
