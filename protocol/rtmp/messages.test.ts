import { splitAggregate } from './aggregate';
import { AUDIO_TAG_PCMA, AUDIO_TAG_PCMU, encodeG711AudioMessage, parseAudioTag } from './audio-tag';
import { asStatusInfo, decodeCommand, decodeData, encodeCommand } from './command-messages';
import {
  UserControlEvent,
  acknowledgementMessage,
  decodeControlMessage,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  userControlMessage,
  windowAckSizeMessage,
} from './control-messages';
import { AmfTypedObject } from './amf-values';
import { RtmpProtocolError } from './errors';
import { MessageType, RtmpMessage } from './message';
import { parseRtmpUrl } from './rtmp-url';
import { asciiHex as a, hex } from '../../test/support/rtmp/hex';

const message = (typeId: number, payload: Uint8Array, streamId = 0): RtmpMessage => ({ csid: 2, typeId, streamId, timestamp: 0, payload });

describe('control messages', () => {
  test('builders write the §5.4 / §6.2 payloads on csid 2, stream 0', () => {
    expect(setChunkSizeMessage(4096)).toEqual(message(1, hex('00001000')));
    expect(acknowledgementMessage(2 ** 32 + 5).payload).toEqual(hex('00000005'));
    expect(windowAckSizeMessage(2_500_000).payload).toEqual(hex('002625a0'));
    expect(setPeerBandwidthMessage(2_500_000, 2).payload).toEqual(hex('002625a0 02'));
    expect(userControlMessage(UserControlEvent.StreamBegin, 1)).toEqual(message(4, hex('0000 00000001')));
    expect(userControlMessage(UserControlEvent.SetBufferLength, 1, 3000).payload).toEqual(hex('0003 00000001 00000bb8'));
  });

  test('decoder', () => {
    expect(decodeControlMessage(message(1, hex('80001000')))).toEqual({ kind: 'set-chunk-size', size: 4096 });
    expect(decodeControlMessage(message(2, hex('00000005')))).toEqual({ kind: 'abort', csid: 5 });
    expect(decodeControlMessage(message(3, hex('00001000')))).toEqual({ kind: 'acknowledgement', sequence: 4096 });
    expect(decodeControlMessage(message(5, hex('004c4b40')))).toEqual({ kind: 'window-ack-size', size: 5_000_000 });
    expect(decodeControlMessage(message(6, hex('004c4b40 02')))).toEqual({ kind: 'set-peer-bandwidth', size: 5_000_000, limitType: 2 });
    expect(decodeControlMessage(message(4, hex('0006 12345678')))).toEqual({ kind: 'user-control', event: 6, value: 0x12345678 });
    expect(decodeControlMessage(message(4, hex('0003 00000001 00000064')))).toEqual({ kind: 'user-control', event: 3, value: 1, bufferLength: 100 });
    expect(() => decodeControlMessage(message(5, hex('0000')))).toThrow(RtmpProtocolError);
  });
});

describe('command messages', () => {
  test('type 20 round trip; rtmplite-style null command object', () => {
    const command = { name: '_result', transactionId: 1, commandObject: null, args: [{ level: 'status', code: 'NetConnection.Connect.Success' }] };
    expect(decodeCommand(encodeCommand(command), MessageType.CommandAmf0)).toEqual(command);
  });

  test('type 17: the leading byte is skipped, values may switch to AMF3 with 0x11', () => {
    const body = hex(`00 02 0007 ${a('invited')} 00 0000000000000000 05 11 06 0b ${a('hello')}`);
    expect(decodeCommand(body, MessageType.CommandAmf3)).toEqual({ name: 'invited', transactionId: 0, commandObject: null, args: ['hello'] });
    const wrapped = encodeCommand({ name: 'x', transactionId: 2, commandObject: null, args: [] }, 'amf3');
    expect(wrapped[0]).toBe(0);
    expect(decodeCommand(wrapped, MessageType.CommandAmf3).name).toBe('x');
  });

  test('a command needs a name; a missing transaction id reads as 0', () => {
    expect(() => decodeCommand(hex('00 3ff0000000000000'), 20)).toThrow(RtmpProtocolError);
    expect(decodeCommand(hex(`02 0001 ${a('f')}`), 20)).toEqual({ name: 'f', transactionId: 0, commandObject: null, args: [] });
  });

  test('data messages (18, and 15 with its leading byte)', () => {
    const body = hex(`02 0011 ${a('|RtmpSampleAccess')} 01 00 01 00`);
    expect(decodeData(body, MessageType.DataAmf0)).toEqual({ name: '|RtmpSampleAccess', values: [false, false] });
    expect(decodeData(new Uint8Array([0, ...body]), MessageType.DataAmf3)).toEqual({ name: '|RtmpSampleAccess', values: [false, false] });
  });

  test('status info from objects, typed objects and bare strings', () => {
    expect(asStatusInfo({ level: 'error', code: 'NetConnection.Connect.Rejected', description: 'no', ex: 1 })).toEqual({
      level: 'error',
      code: 'NetConnection.Connect.Rejected',
      description: 'no',
      ex: 1,
    });
    expect(asStatusInfo(new AmfTypedObject('Status', { code: 'X' })).code).toBe('X');
    expect(asStatusInfo('reason')).toEqual({ description: 'reason' });
  });
});

describe('audio tags', () => {
  test('0x82 = PCMU, 0x72 = PCMA (rate bits ignored), 160 bytes per 20 ms', () => {
    const frame = new Uint8Array(160).fill(0xff);
    const pcmu = encodeG711AudioMessage('pcmu', frame);
    expect(pcmu).toHaveLength(161);
    expect(pcmu[0]).toBe(AUDIO_TAG_PCMU);
    expect(parseAudioTag(pcmu)).toMatchObject({ soundFormat: 8, codec: 'pcmu', soundSize: 1, stereo: false, data: frame });
    expect(parseAudioTag(encodeG711AudioMessage('pcma', frame))?.codec).toBe('pcma');
    expect(AUDIO_TAG_PCMA).toBe(0x72);
    expect(parseAudioTag(hex('b2 00'))?.codec).toBe('speex');
    expect(parseAudioTag(hex('af 01'))?.codec).toBeNull();
    expect(parseAudioTag(new Uint8Array(0))).toBeNull();
  });
});

describe('aggregate messages', () => {
  test('sub-messages are re-based on the aggregate timestamp and take its stream id', () => {
    const payload = hex(`08 000002 000064 00 000000 8201 0000000d   08 000002 000078 00 000000 8202 0000000d`);
    const parts = splitAggregate({ csid: 4, typeId: 22, streamId: 7, timestamp: 1000, payload });
    expect(parts.map((p) => [p.typeId, p.streamId, p.timestamp, Array.from(p.payload)])).toEqual([
      [8, 7, 1000, [0x82, 1]],
      [8, 7, 1020, [0x82, 2]],
    ]);
    expect(() => splitAggregate({ csid: 4, typeId: 22, streamId: 7, timestamp: 0, payload: hex('08 0000ff') })).toThrow(RtmpProtocolError);
  });
});

describe('RTMP URLs', () => {
  test('siprtmp URL: app keeps the address of record', () => {
    expect(parseRtmpUrl('rtmp://gw.example.com/sip/alice@example.com')).toEqual({
      protocol: 'rtmp',
      host: 'gw.example.com',
      port: 1935,
      app: 'sip/alice@example.com',
      tcUrl: 'rtmp://gw.example.com/sip/alice@example.com',
    });
    expect(parseRtmpUrl('rtmp://[::1]:19350/live/')).toMatchObject({ host: '::1', port: 19350, app: 'live', tcUrl: 'rtmp://[::1]:19350/live' });
    expect(parseRtmpUrl('rtmpt://h/sip?x=1')).toMatchObject({ protocol: 'rtmpt', port: 80, app: 'sip' });
    expect(() => parseRtmpUrl('http://h/sip')).toThrow(TypeError);
    expect(() => parseRtmpUrl('rtmp://h:70000/sip')).toThrow(TypeError);
  });
});
