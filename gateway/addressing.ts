/**
 * Who the gateway is on SIP and where a request goes. Every out-of-dialog request goes to the SIP server
 * (the gateway is not an open relay); in-dialog requests follow the route set or the remote target when
 * it is an IPv4 literal, else the SIP server (the gateway resolves no DNS names).
 */
import { parseNameAddr, parseUri } from '../protocol/sip/jssip';
import type { HostPort } from './sip-ua';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIpv4(host: string): boolean {
  const m = IPV4.exec(host);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

/** `host:port` → HostPort (default port 5060); throws on nonsense. */
export function parseHostPort(text: string, defaultPort = 5060): HostPort {
  const m = /^\[?([^\]\s]+?)\]?(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (!m || port < 0 || port > 65535) throw new RangeError(`not a host:port: ${text}`);
  return { host: m[1], port };
}

/** The address of record from the RTMP app path `sip/<user>@<realm>`; null when it is not one. */
export function aorFromApp(app: string): { user: string; realm: string } | null {
  const m = /^sip\/([^@/\s;?]{1,64})@([A-Za-z0-9.-]{1,253})\/?$/.exec(app);
  return m ? { user: m[1], realm: m[2].toLowerCase() } : null;
}

/** A dialable SIP URI from what a client typed: `1002`, `1002@realm`, `sip:1002@realm:5070`. */
export function normaliseTarget(dest: string, realm: string): string | null {
  let text = dest.trim();
  if (text.length === 0 || text.length > 256) return null;
  const angle = /<([^>]+)>/.exec(text);
  if (angle) text = angle[1];
  if (!/^sips?:/i.test(text)) text = `sip:${text}`;
  if (!text.slice(4).includes('@')) text = `${text}@${realm}`;
  const uri = parseUri(text);
  return uri && uri.user ? text : null;
}

/** Where to send a request whose next hop is `uri` (a SIP URI or a name-addr such as a Route). */
export function hopFor(uri: string, server: HostPort): HostPort {
  const parsed = uri.includes('<') ? parseNameAddr(uri)?.uri : parseUri(uri);
  if (!parsed || !isIpv4(parsed.host)) return server;
  return { host: parsed.host, port: parsed.port ?? 5060 };
}

/** The URI inside a name-addr header value (`"Bob" <sip:bob@x>;tag=1` → `sip:bob@x`). */
export function uriOf(value: string): string {
  const angle = /<([^>]*)>/.exec(value);
  return (angle ? angle[1] : value.split(';')[0]).trim();
}

export function tagOf(value: string): string | undefined {
  const params = value.includes('>') ? value.slice(value.lastIndexOf('>')) : value;
  return /;\s*tag=([^;\s]+)/i.exec(params)?.[1];
}

/** `"Name" <sip:aor>` for From headers, with the display name escaped. */
export function nameAddr(uri: string, displayName?: string): string {
  const name = (displayName ?? '').replace(/[\r\n"\\]/g, '').slice(0, 64);
  return name ? `"${name}" <${uri}>` : `<${uri}>`;
}
