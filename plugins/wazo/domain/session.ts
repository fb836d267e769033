import { arr, isObject, obj, str, strOrNull, strings, utcDate, type JsonObject } from '../util/json';
import type { Profile } from './profile';

export interface Authorization {
  uuid: string;
  rules: Array<{ name: string; options: JsonObject }>;
  service: string;
}

/**
 * A wazo-auth token (`POST/GET auth/0.1/token`), plus what the Simple API adds after login (`profile`,
 * `engineVersion`). `expiresAt` is a Date (UTC), not a moment object.
 */
export class Session {
  token: string;
  refreshToken: string | null;
  uuid: string | null;
  tenantUuid: string | null;
  sessionUuid: string | null;
  acl: string[];
  expiresAt: Date;
  stackUuid: string | null;
  metadata: JsonObject;
  authorizations: Authorization[];
  profile: Profile | null;
  engineVersion: string | null;
  stackHost: string | null;

  constructor(init: Partial<Session> & { token: string }) {
    this.token = init.token;
    this.refreshToken = init.refreshToken ?? null;
    this.uuid = init.uuid ?? null;
    this.tenantUuid = init.tenantUuid ?? null;
    this.sessionUuid = init.sessionUuid ?? null;
    this.acl = init.acl ?? [];
    this.expiresAt = init.expiresAt ?? new Date(0);
    this.stackUuid = init.stackUuid ?? null;
    this.metadata = init.metadata ?? {};
    this.authorizations = init.authorizations ?? [];
    this.profile = init.profile ?? null;
    this.engineVersion = init.engineVersion ?? null;
    this.stackHost = init.stackHost ?? null;
  }

  /** From `{data: {...}}`; null when the payload carries no token. */
  static parse(plain: unknown, headers?: Headers | null): Session | null {
    const data = obj(obj(plain).data);
    const token = str(data.token);
    if (!token) return null;
    const metadata = obj(data.metadata);
    return new Session({
      token,
      refreshToken: strOrNull(data.refresh_token),
      uuid: strOrNull(metadata.uuid) ?? strOrNull(data.xivo_user_uuid),
      tenantUuid: strOrNull(metadata.tenant_uuid),
      sessionUuid: strOrNull(data.session_uuid),
      acl: Array.isArray(data.acls) ? strings(data.acls) : strings(data.acl),
      expiresAt: utcDate(data.utc_expires_at) ?? utcDate(data.expires_at) ?? new Date(0),
      stackUuid: strOrNull(data.xivo_uuid),
      metadata,
      authorizations: readAuthorizations(metadata.jwt),
      stackHost: headers?.get('wazo-stack-host') ?? null,
    });
  }

  hasExpired(now: Date = new Date()): boolean {
    return this.expiresAt.getTime() <= now.getTime();
  }

  hasAuthorization(name: string): boolean {
    return this.authorizations.some((a) => a.rules.some((rule) => rule.name === name));
  }

  /** The engine version is at least `version` (e.g. '20.13'). False when unknown. */
  hasEngineVersionGte(version: string): boolean {
    if (!this.engineVersion) return false;
    const a = this.engineVersion.split('.').map(Number);
    const b = version.split('.').map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
      const d = (a[i] || 0) - (b[i] || 0);
      if (d !== 0) return d > 0;
    }
    return true;
  }

  get displayName(): string {
    return this.profile ? this.profile.fullName : '';
  }
}

// `metadata.jwt` carries the user's authorizations as a claim. The original verifies it against a key
// built into the SDK; here it is only decoded: the token came from wazo-auth over TLS in the same
// response, and the values only gate UI features (the services enforce their own ACLs).
function readAuthorizations(jwt: unknown): Authorization[] {
  if (typeof jwt !== 'string') return [];
  const payload = jwt.split('.')[1];
  if (!payload) return [];
  try {
    const json = decodeBase64Url(payload);
    const claims: unknown = JSON.parse(json);
    return arr(obj(claims).authorizations)
      .filter(isObject)
      .map((a) => ({
        uuid: str(a.uuid),
        service: str(a.service),
        rules: arr(a.rules).map((r) => ({ name: str(obj(r).name), options: obj(obj(r).options) })),
      }));
  } catch {
    return [];
  }
}

function decodeBase64Url(input: string): string {
  const base64 = input.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(input.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
