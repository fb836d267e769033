// The user directory: demo users from a JSON file plus any added by flag or API. Only HA1 digests are
// kept in memory after loading (plain passwords are hashed at once and handed to the logger as
// secrets to mask), and the public view never includes either.

import { readFileSync } from 'node:fs';
import { md5 } from '../../protocol/sip/digest';
import type { Logger } from './logger';

export interface UserRecord {
  user: string;
  /** Plain password (demo users). Either this or `ha1`. */
  password?: string;
  /** MD5(user:realm:password), for files that should not hold plain passwords. Bound to the realm. */
  ha1?: string;
  displayName?: string;
  /** Kazoo-like "single device": a new registration replaces the old one and both get a NOTIFY. */
  singleDevice?: boolean;
}

/** What the directory tells callers about a user: never a secret. */
export interface UserInfo {
  readonly user: string;
  readonly displayName: string | undefined;
  readonly singleDevice: boolean;
}

export const MAX_USERS = 100_000;

/** The demo users (the same as users.json): 1001–1010, password `secret<user>`, 1009 and 1010 single-device. */
export function demoUsers(): UserRecord[] {
  const out: UserRecord[] = [];
  for (let n = 1001; n <= 1010; n++) {
    out.push({ user: String(n), password: `secret${n}`, displayName: `Demo ${n}`, singleDevice: n >= 1009 });
  }
  return out;
}
const USER_RE = /^[A-Za-z0-9._+-]{1,64}$/;

export class UserDirectory {
  private readonly byUser = new Map<string, { info: UserInfo; ha1: string }>();

  constructor(
    readonly realm: string,
    private readonly logger: Logger,
  ) {}

  /** Add or replace a user. Throws on an invalid name or a missing secret. */
  add(record: UserRecord): UserInfo {
    if (!USER_RE.test(record.user)) throw new Error(`invalid user name ${JSON.stringify(record.user)} (letters, digits, . _ + -)`);
    if (!this.byUser.has(record.user) && this.byUser.size >= MAX_USERS) throw new Error(`too many users (max ${MAX_USERS})`);
    let ha1: string;
    if (typeof record.password === 'string' && record.password.length > 0) {
      ha1 = md5(`${record.user}:${this.realm}:${record.password}`);
      this.logger.addSecret(record.password);
    } else if (typeof record.ha1 === 'string' && /^[0-9a-f]{32}$/i.test(record.ha1)) {
      ha1 = record.ha1.toLowerCase();
    } else {
      throw new Error(`user ${record.user}: needs a non-empty "password" or a 32-hex-digit "ha1"`);
    }
    this.logger.addSecret(ha1);
    const info: UserInfo = { user: record.user, displayName: record.displayName, singleDevice: record.singleDevice === true };
    this.byUser.set(record.user, { info, ha1 });
    return info;
  }

  has(user: string): boolean {
    return this.byUser.has(user);
  }

  get(user: string): UserInfo | undefined {
    return this.byUser.get(user)?.info;
  }

  /** HA1 for digest verification (internal to the auth module). */
  ha1(user: string): string | undefined {
    return this.byUser.get(user)?.ha1;
  }

  list(): UserInfo[] {
    return [...this.byUser.values()].map((u) => u.info);
  }

  get size(): number {
    return this.byUser.size;
  }
}

/** Read a users file: `{ "users": [ { "user", "password" | "ha1", "displayName"?, "singleDevice"? } ] }` or a bare array. */
export function loadUsersFile(path: string): UserRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read users file ${path}: ${(err as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { users?: unknown }).users;
  if (!Array.isArray(list)) throw new Error(`users file ${path}: expected {"users": [...]} or an array`);
  return list.map((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.user !== 'string') throw new Error(`users file ${path}: entry ${i} has no "user"`);
    return {
      user: e.user,
      password: typeof e.password === 'string' ? e.password : undefined,
      ha1: typeof e.ha1 === 'string' ? e.ha1 : undefined,
      displayName: typeof e.displayName === 'string' ? e.displayName : undefined,
      singleDevice: e.singleDevice === true,
    };
  });
}

/**
 * `--add-users` syntax, comma-separated items:
 *   `1011-1020`          users 1011..1020, password `secret<user>`
 *   `2001:pw`            one user with that password
 *   `1011-1020!` / `2001:pw!`   the same, as single-device users
 */
export function parseAddUsers(spec: string): UserRecord[] {
  const out: UserRecord[] = [];
  for (const rawItem of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const singleDevice = rawItem.endsWith('!');
    const item = singleDevice ? rawItem.slice(0, -1) : rawItem;
    const range = /^(\d{1,9})-(\d{1,9})$/.exec(item);
    if (range) {
      const first = Number(range[1]);
      const last = Number(range[2]);
      if (last < first || last - first >= MAX_USERS) throw new Error(`--add-users: bad range ${item}`);
      for (let n = first; n <= last; n++) out.push({ user: String(n), password: `secret${n}`, singleDevice });
      continue;
    }
    const colon = item.indexOf(':');
    if (colon > 0 && colon < item.length - 1) {
      out.push({ user: item.slice(0, colon), password: item.slice(colon + 1), singleDevice });
      continue;
    }
    throw new Error(`--add-users: cannot read "${rawItem}" (use 1011-1020 or user:password, "!" suffix = single device)`);
  }
  return out;
}
