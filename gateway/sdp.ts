/**
 * SDP offer/answer for plain RTP/AVP audio (RFC 3264, RFC 4566): PCMU 0, PCMA 8, telephone-event 101.
 * Only what a G.711 bridge needs: the remote address and port, the codec chosen, the DTMF payload type
 * and the direction (hold = sendonly/inactive or c=0.0.0.0, RFC 3264 §8.4).
 */
export type AudioCodec = 'pcmu' | 'pcma';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export const PAYLOAD_TYPES: Readonly<Record<AudioCodec, number>> = { pcmu: 0, pcma: 8 };
export const TELEPHONE_EVENT_PT = 101;

export interface LocalMedia {
  readonly address: string;
  readonly port: number;
  /** Codecs in preference order. */
  readonly codecs: readonly AudioCodec[];
  readonly dtmf: boolean;
  readonly direction: Direction;
  /** Session id/version for the o= line; bump the version on every new offer. */
  readonly sessionId: number;
  readonly version: number;
}

export interface RemoteMedia {
  readonly address: string;
  readonly port: number;
  /** Codecs the remote listed, in its order, among those we know. */
  readonly codecs: readonly AudioCodec[];
  /** Its telephone-event payload type, if any. */
  readonly dtmfPayloadType: number | null;
  readonly direction: Direction;
}

const MAX_SDP_BYTES = 8192;

interface MediaSection {
  address: string;
  port: number;
  pts: number[];
  direction: Direction | null;
  rtpmap: Map<number, string>;
}

export function buildSdp(local: LocalMedia): string {
  const pts = local.codecs.map((c) => PAYLOAD_TYPES[c]);
  if (local.dtmf) pts.push(TELEPHONE_EVENT_PT);
  const lines = [
    'v=0',
    `o=- ${local.sessionId} ${local.version} IN IP4 ${local.address}`,
    's=kazoo-rtmp-gateway',
    `c=IN IP4 ${local.address}`,
    't=0 0',
    `m=audio ${local.port} RTP/AVP ${pts.join(' ')}`,
    ...local.codecs.map((c) => `a=rtpmap:${PAYLOAD_TYPES[c]} ${c === 'pcmu' ? 'PCMU' : 'PCMA'}/8000`),
    ...(local.dtmf ? [`a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`, `a=fmtp:${TELEPHONE_EVENT_PT} 0-15`] : []),
    'a=ptime:20',
    `a=${local.direction}`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** The first audio m-line we can use; undefined when there is none (answer 488). */
export function parseSdp(text: string): RemoteMedia | undefined {
  if (text.length > MAX_SDP_BYTES) return undefined;
  let sessionAddress = '';
  let sessionDirection: Direction = 'sendrecv';
  let media: MediaSection | null = null;
  let found: MediaSection | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      if (media && !found && media.port > 0) found = media;
      const m = /^m=audio (\d+)(?:\/\d+)? RTP\/AVP((?: \d+)+)$/.exec(line);
      media = m ? { address: sessionAddress, port: Number(m[1]), pts: m[2].trim().split(' ').map(Number), direction: null, rtpmap: new Map() } : null;
      if (!m) media = { address: '', port: 0, pts: [], direction: null, rtpmap: new Map() };
      continue;
    }
    const c = /^c=IN IP4 (\S+)$/.exec(line);
    if (c) {
      if (media) media.address = c[1];
      else sessionAddress = c[1];
      continue;
    }
    const a = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line);
    if (a) {
      if (media) media.direction = a[1] as Direction;
      else sessionDirection = a[1] as Direction;
      continue;
    }
    const r = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)/.exec(line);
    if (r && media) media.rtpmap.set(Number(r[1]), `${r[2].toLowerCase()}/${r[3]}`);
  }
  if (media && !found && media.port > 0) found = media;
  if (!found || !found.address || found.port > 65535) return undefined;
  const codecs: AudioCodec[] = [];
  let dtmf: number | null = null;
  for (const pt of found.pts) {
    const name = found.rtpmap.get(pt) ?? (pt === 0 ? 'pcmu/8000' : pt === 8 ? 'pcma/8000' : '');
    if (name === 'pcmu/8000') codecs.push('pcmu');
    else if (name === 'pcma/8000') codecs.push('pcma');
    else if (name === 'telephone-event/8000' && dtmf === null) dtmf = pt;
  }
  let direction = found.direction ?? sessionDirection;
  if (found.address === '0.0.0.0') direction = direction === 'sendrecv' ? 'sendonly' : direction; // RFC 2543 hold
  return { address: found.address, port: found.port, codecs, dtmfPayloadType: dtmf, direction };
}

/** Our direction in an answer to `remote` (RFC 3264 §6.1). */
export function answerDirection(remote: Direction, wantHold = false): Direction {
  if (remote === 'inactive') return 'inactive';
  if (remote === 'sendonly') return wantHold ? 'inactive' : 'recvonly';
  if (remote === 'recvonly') return wantHold ? 'inactive' : 'sendonly';
  return wantHold ? 'sendonly' : 'sendrecv';
}

/** True when the remote's side of the media says it put us on hold. */
export function isRemoteHold(direction: Direction): boolean {
  return direction === 'sendonly' || direction === 'inactive';
}

/** Codec names a client may pass to `invite`/`accept` (siprtmp's set); Speex and video are not bridged. */
export function codecsFromNames(names: readonly string[]): { codecs: AudioCodec[]; dtmf: boolean } {
  const codecs: AudioCodec[] = [];
  let dtmf = names.length === 0;
  for (const name of names) {
    const n = name.toLowerCase();
    if ((n === 'pcmu' || n === 'ulaw') && !codecs.includes('pcmu')) codecs.push('pcmu');
    else if ((n === 'pcma' || n === 'alaw') && !codecs.includes('pcma')) codecs.push('pcma');
    else if (n === 'dtmf') dtmf = true;
  }
  // No usable name (legacy kazoo.js sends none, or only wideband/narrowband): offer both laws and DTMF.
  if (codecs.length === 0) return { codecs: ['pcmu', 'pcma'], dtmf: true };
  return { codecs, dtmf };
}
