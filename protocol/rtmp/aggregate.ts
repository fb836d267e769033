/**
 * Aggregate messages (type 22, §7.1.6): sub-messages laid out as FLV tags — type (1) · size (3) ·
 * time (3+1 high byte) · stream id (3) · body · back-pointer (4). The aggregate's stream id wins and its
 * timestamp re-bases the sub-messages. Some servers send play audio this way; rtmplite unpacks them.
 */
import { ByteReader } from './byte-reader';
import { RtmpProtocolError } from './errors';
import { RtmpMessage } from './message';

export function splitAggregate(message: RtmpMessage): RtmpMessage[] {
  const r = new ByteReader(message.payload);
  const out: RtmpMessage[] = [];
  let offset: number | null = null;
  while (r.remaining > 0) {
    const typeId = r.u8();
    const size = r.u24();
    const time = (r.u24() | (r.u8() << 24)) >>> 0;
    r.u24(); // sub-message stream id: overridden by the aggregate's
    const payload = r.take(size).slice();
    r.u32(); // back-pointer
    if (typeId === 22) throw new RtmpProtocolError('chunk-invalid', 'aggregate message nested in an aggregate');
    if (offset === null) offset = message.timestamp - time;
    out.push({ csid: message.csid, typeId, streamId: message.streamId, timestamp: (time + offset) >>> 0, payload });
  }
  return out;
}
