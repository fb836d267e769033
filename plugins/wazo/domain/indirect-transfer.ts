import { obj, str } from '../util/json';

/** A calld transfer (`users/me/transfers`), as the SDK's IndirectTransfer: the initiator's call and the recipient's. */
export class IndirectTransfer {
  id: string;
  /** the initiator's call (calld `initiator_call`) */
  sourceId: string;
  /** the recipient's call (calld `recipient_call`) */
  destinationId: string;
  status: string;

  constructor(init: Partial<IndirectTransfer>) {
    this.id = init.id ?? '';
    this.sourceId = init.sourceId ?? '';
    this.destinationId = init.destinationId ?? '';
    this.status = init.status ?? '';
  }

  static parseFromApi(plain: unknown): IndirectTransfer {
    const o = obj(plain);
    return new IndirectTransfer({ id: str(o.id), sourceId: str(o.initiator_call), destinationId: str(o.recipient_call), status: str(o.status) });
  }
}
