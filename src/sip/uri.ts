/**
 * SIP addresses as the legacy API receives them: strings typed by people or built by old pages.
 * Pure functions, no browser APIs: shared by every transport. (The gateway has its own, more lenient
 * `normaliseTarget` in gateway/addressing.ts: it accepts what siprtmp clients send.)
 */

export interface SipAddress {
  scheme: 'sip' | 'sips';
  user: string;
  host: string;
  /** everything after the host (port, ;params, ?headers), kept as written */
  rest: string;
}

// user part: RFC 3261 unreserved / escaped / user-unreserved characters; host: a name, IPv4 or [IPv6]
const SIP_URI = /^(sips?):(?:([A-Za-z0-9\-_.!~*'()&=+$,;?/%]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)((?::\d{1,5})?(?:;[^\s?<>"]*)?(?:\?[^\s<>"]*)?)$/;
const DIAL_STRING = /^\+?[0-9*#]{1,64}$/;

/** Parses `sip:user@host[:port][;params]`; null when the string is not one (or holds CR/LF/space). */
export function parseSipUri(value: string): SipAddress | null {
  const m = SIP_URI.exec(value.trim());
  if (!m || /[\r\n]/.test(value)) return null;
  return { scheme: m[1] as 'sip' | 'sips', user: m[2] ?? '', host: m[3], rest: m[4] ?? '' };
}

/**
 * A call target: a SIP URI as is, or a bare dial string (`2222`, `*97`, `+15551234`) completed with the
 * realm, as JsSIP and every desk phone do. Anything else is refused (null).
 */
export function normaliseTarget(value: string, realm: string): string | null {
  if (/[\r\n]/.test(value)) return null;
  const v = value.trim();
  if (DIAL_STRING.test(v)) return `sip:${v}@${realm}`;
  const a = parseSipUri(v);
  return a && a.user ? `${a.scheme}:${a.user}@${a.host}${a.rest}` : null;
}

export interface Identity {
  /** address of record, `sip:user@realm` */
  aor: string;
  /** digest authentication user name */
  authUser: string;
  user: string;
}

/**
 * The 2014 document calls `privateIdentity` the full SIP address and `publicIdentity` the user name; the
 * 2014 code (and its demo page) did the opposite. Accept both: whichever is a SIP URI is the address of
 * record and the other the auth name; with neither a URI, the address is `sip:<privateIdentity>@<realm>`.
 */
export function normaliseIdentity(privateIdentity: string, publicIdentity: string, realm: string): Identity | null {
  const asUri = (s: string) => (/^sips?:/i.test(s.trim()) || s.includes('@') ? parseSipUri(/^sips?:/i.test(s.trim()) ? s : `sip:${s}`) : null);
  const priv = privateIdentity.trim();
  const pub = publicIdentity.trim();
  const privUri = priv ? asUri(priv) : null;
  const pubUri = pub ? asUri(pub) : null;
  const uri = privUri ?? pubUri;
  if (uri) {
    if (!uri.user) return null;
    const other = uri === privUri ? pub : priv;
    const authUser = other && !asUri(other) ? other : uri.user;
    return { aor: `${uri.scheme}:${uri.user}@${uri.host}`, authUser, user: uri.user };
  }
  const user = priv || pub;
  if (!user || !realm || /[\s@:<>"]/.test(user) || !/^[A-Za-z0-9\-.]+$/.test(realm)) return null;
  return { aor: `sip:${user}@${realm}`, authUser: user, user };
}
