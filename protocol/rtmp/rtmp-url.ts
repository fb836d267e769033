/**
 * `rtmp[t][s]://host[:port]/app[/instance][?query]` → what `connect` needs. Parsed by hand: `URL` treats
 * rtmp: as an opaque scheme in some engines, and the siprtmp instance holds an `@` (`sip/alice@realm`).
 */
export interface RtmpUrl {
  readonly protocol: 'rtmp' | 'rtmps' | 'rtmpt' | 'rtmpts';
  readonly host: string;
  readonly port: number;
  /** Everything after the first slash, without the query: `sip/alice@example.com` (siprtmp's scope). */
  readonly app: string;
  /** The URL as given without a trailing slash: sent as `tcUrl`. */
  readonly tcUrl: string;
}

const DEFAULT_PORTS = { rtmp: 1935, rtmps: 443, rtmpt: 80, rtmpts: 443 } as const;
const PATTERN = /^(rtmpts|rtmpt|rtmps|rtmp):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#\s]+)(?::(\d{1,5}))?(\/[^?#\s]*)?(\?[^#\s]*)?$/i;

export function parseRtmpUrl(url: string): RtmpUrl {
  const match = PATTERN.exec(url.trim());
  if (!match) throw new TypeError(`not an RTMP URL: ${url}`);
  const protocol = match[1].toLowerCase() as RtmpUrl['protocol'];
  const port = match[3] ? Number(match[3]) : DEFAULT_PORTS[protocol];
  if (port < 1 || port > 65535) throw new TypeError(`bad port in ${url}`);
  const app = (match[4] ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  const host = match[2].replace(/^\[|\]$/g, '');
  return { protocol, host, port, app, tcUrl: url.trim().replace(/\/+$/, '') };
}
