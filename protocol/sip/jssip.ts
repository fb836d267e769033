// The only place that touches JsSIP's grammar/parser modules. JsSIP is CommonJS: under Node's ESM
// loader its modules appear as `{ default: module.exports }`, under ts-jest (CommonJS) as the exports
// themselves, so every module goes through `cjs()`. JsSIP's grammar throws on some inputs a client
// never receives (`Contact: *`, a response with a broken CSeq), so every call is guarded: a server
// must turn bad input into 400 or a drop, never an exception.

import * as GrammarNs from 'jssip/lib/Grammar.js';
import * as ParserNs from 'jssip/lib/Parser.js';
import * as UriNs from 'jssip/lib/URI.js';
import * as NameAddrNs from 'jssip/lib/NameAddrHeader.js';
import type { URI } from 'jssip/lib/URI.js';
import type { NameAddrHeader } from 'jssip/lib/NameAddrHeader.js';
import type { JsSipIncomingMessage } from 'jssip/lib/Parser.js';

export type { URI, NameAddrHeader, JsSipIncomingMessage };

function cjs<T>(ns: unknown): T {
  const withDefault = ns as { default?: T };
  return (withDefault.default ?? ns) as T;
}

interface GrammarModule {
  parse(input: string, rule: string): unknown;
}
interface ParserModule {
  parseMessage(data: string, ua: unknown): JsSipIncomingMessage | undefined;
}
interface UriClass {
  parse(uri: string): URI | undefined;
}
interface NameAddrClass {
  parse(value: string): NameAddrHeader | undefined;
}

const Grammar = cjs<GrammarModule>(GrammarNs);
const Parser = cjs<ParserModule>(ParserNs);
const UriCtor = cjs<UriClass>(UriNs);
const NameAddrCtor = cjs<NameAddrClass>(NameAddrNs);

/** A rule of JsSIP's RFC 3261 grammar; undefined when the input does not match (or the grammar throws). */
export function grammar<T>(input: string, rule: string): T | undefined {
  try {
    const out = Grammar.parse(input, rule);
    return out === -1 || out === null || out === undefined ? undefined : (out as T);
  } catch {
    return undefined;
  }
}

/** JsSIP's whole-message parser, used on the header section to validate every header it knows. */
export function parseWithJsSip(head: string): JsSipIncomingMessage | undefined {
  try {
    return Parser.parseMessage(head, undefined) ?? undefined;
  } catch {
    return undefined;
  }
}

export function parseUri(value: string): URI | undefined {
  try {
    return UriCtor.parse(value) ?? undefined;
  } catch {
    return undefined;
  }
}

export function parseNameAddr(value: string): NameAddrHeader | undefined {
  try {
    return NameAddrCtor.parse(value) ?? undefined;
  } catch {
    return undefined;
  }
}

export interface ViaInfo {
  transport: string;
  host: string;
  port: number | undefined;
  branch: string | undefined;
  /** true when a bare `;rport` asks for the source port (RFC 3581). */
  rport: boolean;
  received: string | undefined;
}

/** One Via value (the caller splits comma lists first: JsSIP merges the fields of a list into one). */
export function parseVia(value: string): ViaInfo | undefined {
  const via = grammar<{ transport?: string; host?: string; port?: number; branch?: string; received?: string }>(value, 'Via');
  if (!via || !via.host || !via.transport) return undefined;
  return {
    transport: via.transport.toUpperCase(),
    host: via.host,
    port: via.port,
    branch: via.branch,
    rport: /;\s*rport(\s*[;,]|\s*$)/i.test(value),
    received: via.received,
  };
}

export interface EventInfo {
  event: string;
  id: string | undefined;
}

export function parseEvent(value: string): EventInfo | undefined {
  const ev = grammar<{ event?: string; params?: Record<string, string | undefined> }>(value, 'Event');
  return ev?.event ? { event: ev.event.toLowerCase(), id: ev.params?.id } : undefined;
}
