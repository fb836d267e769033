// How this server names itself (Via, Record-Route, Contact) and how a URI becomes a flow.
// Browsers on WebSocket invent their Contact host (*.invalid), so every Contact that arrives over
// a WebSocket (or from a UDP peer behind NAT) gets a `kzflow=<flow id>` URI parameter, like
// Kamailio's add_contact_alias(): in-dialog requests then carry the flow in their Request-URI and
// are routed back over the same connection, with nothing to remember per dialog.

import { isIP } from 'node:net';
import { parseNameAddr, parseUri, type URI } from '../../../protocol/sip/jssip';
import type { SipMessage } from '../../../protocol/sip/message';
import { parseUdpFlowId, type Flow, type TransportKind } from '../../../protocol/sip/flow';

export const FLOW_PARAM = 'kzflow';

export interface FlowDirectory {
  wsFlow(id: string): Flow | undefined;
  udpFlow(address: string, port: number): Flow | undefined;
}

export class LocalAddress {
  constructor(
    readonly host: string,
    readonly wsPort: number,
    readonly udpPort: number,
    /** Hosts that mean "this server" in a Route / Request-URI (bind address, advertised host, localhost...). */
    private readonly aliases: ReadonlySet<string>,
  ) {}

  private hostPort(transport: TransportKind): string {
    const host = isIP(this.host) === 6 ? `[${this.host}]` : this.host;
    return `${host}:${transport === 'ws' ? this.wsPort : this.udpPort}`;
  }

  /** This server's Via value for a request sent over `transport` (branch added by the caller). */
  via(transport: TransportKind): string {
    return transport === 'ws' ? `SIP/2.0/WS ${this.hostPort('ws')}` : `SIP/2.0/UDP ${this.hostPort('udp')};rport`;
  }

  recordRoute(transport: TransportKind): string {
    return transport === 'ws' ? `<sip:${this.hostPort('ws')};transport=ws;lr>` : `<sip:${this.hostPort('udp')};lr>`;
  }

  /** Contact of the server's own user agent (voicemail / notifier) on `transport`. */
  contact(user: string, transport: TransportKind): string {
    return transport === 'ws' ? `<sip:${user}@${this.hostPort('ws')};transport=ws>` : `<sip:${user}@${this.hostPort('udp')}>`;
  }

  /** Is this URI one of ours (host alias and one of our ports)? */
  isLocal(uri: URI): boolean {
    const host = uri.host.replace(/^\[|\]$/g, '').toLowerCase();
    if (!this.aliases.has(host)) return false;
    const transport = String(uri.getParam('transport') ?? '').toLowerCase();
    const port = uri.port ?? (transport === 'ws' ? 80 : 5060);
    return transport === 'ws' || transport === 'wss' ? port === this.wsPort : port === this.udpPort || port === this.wsPort;
  }
}

/**
 * Where a request for `uri` goes: a flow alias first, else an IP-literal host over UDP. A `kzflow`
 * whose WebSocket is gone returns 'gone'. DNS names and alias-less ws URIs are not routable here
 * (this server relays only between its own clients).
 */
export function flowForUri(uri: URI, flows: FlowDirectory): Flow | 'gone' | undefined {
  const alias = uri.getParam(FLOW_PARAM);
  if (typeof alias === 'string' && alias) {
    const udp = parseUdpFlowId(alias);
    if (udp) return flows.udpFlow(udp.address, udp.port) ?? 'gone';
    return flows.wsFlow(alias) ?? 'gone';
  }
  const transport = String(uri.getParam('transport') ?? 'udp').toLowerCase();
  if (transport !== 'udp') return undefined;
  const host = uri.host.replace(/^\[|\]$/g, '');
  if (!isIP(host)) return undefined;
  return flows.udpFlow(host, uri.port ?? 5060);
}

/** Request-URI string without our flow alias (what the target UA should see). */
export function stripFlowParam(uriText: string): string {
  const uri = parseUri(uriText);
  if (!uri || !uri.hasParam(FLOW_PARAM)) return uriText;
  uri.deleteParam(FLOW_PARAM);
  return uri.toString();
}

/** Does a Contact need an alias? WebSocket always; UDP when the Contact differs from the source (NAT). */
function needsAlias(uri: URI, flow: Flow): boolean {
  if (flow.transport === 'ws') return true;
  const host = uri.host.replace(/^\[|\]$/g, '');
  return host !== flow.remoteAddress || (uri.port ?? 5060) !== flow.remotePort;
}

/** Add `kzflow=<flow>` to every Contact of `msg` that needs it (see the module comment). */
export function aliasContacts(msg: SipMessage, flow: Flow): void {
  for (const h of msg.headers) {
    if (h.key !== 'contact' || h.value === '*') continue;
    const na = parseNameAddr(h.value);
    if (!na || !needsAlias(na.uri, flow)) continue;
    na.uri.setParam(FLOW_PARAM, flow.id);
    h.value = na.toString();
  }
}

/** The Contact URI as the client wrote it (between < >), for bindings and the Kazoo NOTIFY bodies. */
export function contactUriText(headerValue: string): string | undefined {
  const lt = headerValue.indexOf('<');
  if (lt >= 0) {
    const gt = headerValue.indexOf('>', lt);
    return gt > lt ? headerValue.slice(lt + 1, gt).trim() : undefined;
  }
  return parseNameAddr(headerValue)?.uri.toString();
}
