import { arr, bool, num, obj, str, strOrNull, type JsonObject } from '../util/json';

/** A call-center agent's status (agentd `agents/by-id/{id}`, `users/me/agents`). */
export class Agent {
  id: number;
  number: string;
  context: string;
  extension: string;
  logged: boolean;
  paused: boolean;
  pausedReason: string;
  originUuid: string | null;
  tenantUuid: string | null;
  stateInterface: string | null;
  queues: JsonObject[];

  constructor(init: Partial<Agent> & { id: number }) {
    this.id = init.id;
    this.number = init.number ?? '';
    this.context = init.context ?? '';
    this.extension = init.extension ?? '';
    this.logged = init.logged ?? false;
    this.paused = init.paused ?? false;
    this.pausedReason = init.pausedReason ?? '';
    this.originUuid = init.originUuid ?? null;
    this.tenantUuid = init.tenantUuid ?? null;
    this.stateInterface = init.stateInterface ?? null;
    this.queues = init.queues ?? [];
  }

  static parse(plain: unknown): Agent {
    const o = obj(plain);
    return new Agent({
      id: num(o.id),
      number: str(o.number),
      context: str(o.context),
      extension: str(o.extension),
      logged: bool(o.logged),
      paused: bool(o.paused),
      pausedReason: str(o.paused_reason),
      originUuid: strOrNull(o.origin_uuid),
      tenantUuid: strOrNull(o.tenant_uuid),
      stateInterface: strOrNull(o.state_interface),
      queues: arr(o.queues).map(obj),
    });
  }
}
