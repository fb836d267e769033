/**
 * The few SIP strings siprtmp hands the client as plain text: the caller's address in `invited`
 * (`"Alice" <sip:1001@realm>` or a bare `sip:1001@realm`) and status lines in `rejected`/`unauthorized`
 * (`486 Busy Here`, or free text such as `Registration required before making a call`).
 */
import type { RemoteParty } from '../../../src/transport';

/** `"Display" <sip:user@host>` / `Display <sip:…>` / `<sip:…>` / `sip:…` → RemoteParty (quotes stripped). */
export function parseRemoteParty(address: string): RemoteParty {
  const text = address.trim();
  const bracket = /^(.*?)<([^>]*)>/.exec(text);
  const uri = (bracket ? bracket[2] : text.split(';')[0]).trim();
  const rawName = bracket ? bracket[1].trim() : '';
  const name = rawName.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1').trim();
  const user = /^sips?:([^@;?]+)@/i.exec(uri)?.[1] ?? /^(?:sips?:|tel:)?([^@;?]+)/i.exec(uri)?.[1] ?? '';
  return { uri, name: name || undefined, number: safeDecode(user) };
}

export interface StatusText {
  /** the SIP status code when the text starts with one */
  code?: number;
  reason: string;
}

/** `'486 Busy Here'` → {code: 486, reason: 'Busy Here'}; text without a status keeps it whole. */
export function parseStatusText(text: unknown): StatusText {
  const s = typeof text === 'string' ? text.trim() : '';
  const m = /^([1-6]\d\d)(?:\s+(.*))?$/.exec(s);
  if (!m) return { reason: s };
  return { code: Number(m[1]), reason: m[2]?.trim() || m[1] };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
