/** Validation of the client's RPC arguments: everything an RTMP client sends is untrusted and bounded. */
import type { AmfValue } from '../protocol/rtmp/amf-values';

const MAX_TEXT = 256;

export function text(value: AmfValue | undefined, max = MAX_TEXT): string | null {
  return typeof value === 'string' && value.length <= max ? value : null;
}

/** Codec name arguments (`invite(dest, 'pcmu', 'dtmf')`), at most 16, strings only. */
export function names(values: readonly AmfValue[]): string[] {
  return values.slice(0, 16).filter((v): v is string => typeof v === 'string' && v.length <= 32);
}

/** `'486 Busy Here'` → status + reason; anything else → 603 Decline (siprtmp's default). */
export function statusLine(value: AmfValue | undefined, fallback = 603): { status: number; reason: string } {
  const line = text(value, 128) ?? '';
  const m = /^([3-6]\d\d)\s*(.*)$/.exec(line.trim());
  if (!m) return { status: fallback, reason: line.replace(/[\r\n]/g, '').trim() || 'Decline' };
  return { status: Number(m[1]), reason: m[2].replace(/[\r\n]/g, '').trim() || 'Rejected' };
}
