import { arr, isObject, obj, num, str, strOrNull, type JsonObject } from '../util/json';

export interface Extension {
  id: number | null;
  exten: string;
  context: string;
}

/** A user's line as embedded in confd `users/{uuid}` (`lines[]`). */
export class Line {
  id: number;
  uuid: string | null;
  name: string | null;
  extensions: Extension[];
  endpointSip: JsonObject | null;
  endpointSccp: JsonObject | null;
  endpointCustom: JsonObject | null;

  constructor(init: Partial<Line> & { id: number }) {
    this.id = init.id;
    this.uuid = init.uuid ?? null;
    this.name = init.name ?? null;
    this.extensions = init.extensions ?? [];
    this.endpointSip = init.endpointSip ?? null;
    this.endpointSccp = init.endpointSccp ?? null;
    this.endpointCustom = init.endpointCustom ?? null;
  }

  static parse(plain: unknown): Line {
    const o = obj(plain);
    const endpoint = (v: unknown): JsonObject | null => (isObject(v) ? v : null);
    return new Line({
      id: num(o.id),
      uuid: strOrNull(o.uuid),
      name: strOrNull(o.name),
      extensions: arr(o.extensions).map((e) => {
        const x = obj(e);
        return { id: x.id === undefined ? null : num(x.id), exten: str(x.exten), context: str(x.context) };
      }),
      endpointSip: endpoint(o.endpoint_sip),
      endpointSccp: endpoint(o.endpoint_sccp),
      endpointCustom: endpoint(o.endpoint_custom),
    });
  }

  isSccp(): boolean {
    return this.endpointSccp !== null;
  }
}
