import { arr, obj, str, strings } from '../util/json';

/** A relocate (calld `users/me/relocates`): moving a call to another line of the user. */
export class Relocation {
  uuid: string;
  initiatorCall: string;
  recipientCall: string;
  relocatedCall: string;
  completions: string[];

  constructor(init: Partial<Relocation>) {
    this.uuid = init.uuid ?? '';
    this.initiatorCall = init.initiatorCall ?? '';
    this.recipientCall = init.recipientCall ?? '';
    this.relocatedCall = init.relocatedCall ?? '';
    this.completions = init.completions ?? [];
  }

  static parse(plain: unknown): Relocation {
    const o = obj(plain);
    return new Relocation({
      uuid: str(o.uuid),
      initiatorCall: str(o.initiator_call),
      recipientCall: str(o.recipient_call),
      relocatedCall: str(o.relocated_call),
      completions: strings(o.completions),
    });
  }

  static parseMany(plain: unknown): Relocation[] {
    return arr(obj(plain).items).map(Relocation.parse);
  }
}
