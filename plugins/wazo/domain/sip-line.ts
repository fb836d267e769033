import { arr, obj, str, strOrNull, type JsonObject } from '../util/json';

type OptionList = Array<[string, string]>;

function optionList(value: unknown): OptionList {
  return arr(value)
    .filter((pair): pair is unknown[] => Array.isArray(pair) && pair.length >= 2)
    .map((pair) => [str(pair[0]), str(pair[1])]);
}

function option(list: OptionList, name: string): string | null {
  const found = list.find(([key]) => key === name);
  return found ? found[1] : null;
}

/**
 * A SIP endpoint in confd's merged view (`users/{uuid}/lines/{id}/associated/endpoints/sip?view=merged`).
 * Since engine 20.13 the credentials live in `auth_section_options`; older engines put them at the top.
 * `type` keeps the server's value (the original overwrote it with 'SipLine').
 */
export class SipLine {
  uuid: string | null;
  tenantUuid: string | null;
  name: string | null;
  label: string | null;
  type: string | null;
  username: string;
  secret: string;
  host: string | null;
  options: OptionList;
  endpointSectionOptions: OptionList;
  authSectionOptions: OptionList;
  links: JsonObject[];
  trunk: JsonObject | null;
  line: JsonObject | null;

  constructor(init: Partial<SipLine>) {
    this.uuid = init.uuid ?? null;
    this.tenantUuid = init.tenantUuid ?? null;
    this.name = init.name ?? null;
    this.label = init.label ?? null;
    this.type = init.type ?? null;
    this.username = init.username ?? '';
    this.secret = init.secret ?? '';
    this.host = init.host ?? null;
    this.options = init.options ?? [];
    this.endpointSectionOptions = init.endpointSectionOptions ?? [];
    this.authSectionOptions = init.authSectionOptions ?? [];
    this.links = init.links ?? [];
    this.trunk = init.trunk ?? null;
    this.line = init.line ?? null;
  }

  static parse(plain: unknown): SipLine {
    const o = obj(plain);
    const endpointSectionOptions = optionList(o.endpoint_section_options);
    const authSectionOptions = optionList(o.auth_section_options);
    const modern = Array.isArray(o.auth_section_options);
    return new SipLine({
      uuid: strOrNull(o.uuid),
      tenantUuid: strOrNull(o.tenant_uuid),
      name: strOrNull(o.name),
      label: strOrNull(o.label),
      type: strOrNull(o.type),
      username: modern ? option(authSectionOptions, 'username') ?? '' : str(o.username),
      secret: modern ? option(authSectionOptions, 'password') ?? '' : str(o.secret),
      host: modern ? option(endpointSectionOptions, 'media_address') : strOrNull(o.host),
      options: optionList(o.options),
      endpointSectionOptions,
      authSectionOptions,
      links: arr(o.links).map(obj),
      trunk: o.trunk ? obj(o.trunk) : null,
      line: o.line ? obj(o.line) : null,
    });
  }

  /** Whether the endpoint is set up for WebRTC (the `webrtc` endpoint option). */
  isWebRtc(): boolean {
    const value = option(this.endpointSectionOptions, 'webrtc') ?? option(this.options, 'webrtc');
    return value === 'yes' || value === 'true';
  }
}
