// The Wazo side of the demo users: what wazo-auth, wazo-confd and wazo-dird know about each SIP user
// of the dev SIP server (UUID, names, one WebRTC line on its extension, the line's SIP endpoint).
// Identifiers are derived from the username, so they survive a restart (an app may keep a UUID).
// Passwords stay in the records given at start and never leave through the public views.

import { createHash } from 'node:crypto';

export interface WazoUserRecord {
  /** Login name = SIP username = extension (e.g. "1001"). */
  username: string;
  password: string;
  firstname: string;
  lastname: string;
}

export interface WazoUser {
  readonly uuid: string;
  /** confd's integer user id. */
  readonly id: number;
  readonly username: string;
  readonly firstname: string;
  readonly lastname: string;
  readonly email: string;
  readonly extension: string;
  readonly context: string;
  readonly line: { readonly id: number; readonly name: string; readonly endpointUuid: string; readonly endpointId: number };
}

export const TENANT_UUID = stableUuid('tenant', 'kazoo-wazo-dev');
export const STACK_UUID = stableUuid('stack', 'kazoo-wazo-dev');
export const CONTEXT = 'default';

/** A v4-shaped UUID from a hash: the same input gives the same UUID on every start. */
export function stableUuid(kind: string, name: string): string {
  const h = createHash('sha256').update(`${kind}:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** "Demo 1001" → firstname "Demo", lastname "1001"; no display name → the username as firstname. */
export function namesOf(displayName: string | undefined, username: string): { firstname: string; lastname: string } {
  const text = (displayName ?? '').trim();
  if (!text) return { firstname: username, lastname: '' };
  const space = text.indexOf(' ');
  return space < 0 ? { firstname: text, lastname: '' } : { firstname: text.slice(0, space), lastname: text.slice(space + 1) };
}

export class WazoDirectory {
  private readonly byUuid = new Map<string, WazoUser>();
  private readonly byUsername = new Map<string, { user: WazoUser; password: string }>();

  constructor(records: readonly WazoUserRecord[]) {
    records.forEach((r, i) => {
      const user: WazoUser = {
        uuid: stableUuid('user', r.username),
        id: i + 1,
        username: r.username,
        firstname: r.firstname,
        lastname: r.lastname,
        email: `${r.username}@wazo.test`,
        extension: r.username,
        context: CONTEXT,
        line: { id: i + 1, name: r.username, endpointUuid: stableUuid('endpoint', r.username), endpointId: i + 1 },
      };
      this.byUuid.set(user.uuid, user);
      this.byUsername.set(r.username, { user, password: r.password });
    });
  }

  /** The user whose login and password match; undefined otherwise (no hint which one was wrong). */
  authenticate(username: string, password: string): WazoUser | undefined {
    const entry = this.byUsername.get(username);
    return entry && entry.password === password ? entry.user : undefined;
  }

  byUuidOrId(key: string): WazoUser | undefined {
    return this.byUuid.get(key) ?? [...this.byUuid.values()].find((u) => String(u.id) === key);
  }

  byName(username: string): WazoUser | undefined {
    return this.byUsername.get(username)?.user;
  }

  /** The SIP password of a user's line (served by confd's merged endpoint, as Wazo does). */
  sipPassword(user: WazoUser): string {
    return this.byUsername.get(user.username)?.password ?? '';
  }

  list(): WazoUser[] {
    return [...this.byUuid.values()];
  }

  displayName(user: WazoUser): string {
    return `${user.firstname} ${user.lastname}`.trim();
  }
}
