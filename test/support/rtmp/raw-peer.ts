/**
 * A bare RTMP endpoint for tests: does the handshake, then exposes every message it reads and writes
 * whatever a test scripts, with no session logic of its own (so it can play rtmplite or NMS quirks).
 */
import { AmfValue } from '../../../protocol/rtmp/amf-values';
import { ChunkReader } from '../../../protocol/rtmp/chunk-reader';
import { ChunkWriter } from '../../../protocol/rtmp/chunk-writer';
import { CommandMessage, decodeCommand, encodeCommand, isCommandType } from '../../../protocol/rtmp/command-messages';
import { ByteDuplex } from '../../../protocol/rtmp/duplex';
import { HandshakeStep } from '../../../protocol/rtmp/handshake';
import { ClientHandshake } from '../../../protocol/rtmp/client-handshake';
import { ServerHandshake } from '../../../protocol/rtmp/server-handshake';
import { MessageType, RtmpMessage } from '../../../protocol/rtmp/message';

export class RawPeer {
  readonly messages: RtmpMessage[] = [];
  readonly writer = new ChunkWriter();
  readonly reader = new ChunkReader((message) => this.received(message));
  private readonly handshake: ClientHandshake | ServerHandshake;
  private ready = false;
  private waiters: { predicate: (m: RtmpMessage) => boolean; resolve: (m: RtmpMessage) => void }[] = [];
  closed = false;

  constructor(
    private readonly duplex: ByteDuplex,
    role: 'client' | 'server',
  ) {
    this.handshake = role === 'client' ? new ClientHandshake() : new ServerHandshake();
    duplex.onData = (bytes) => this.feed(bytes);
    duplex.onClose = () => {
      this.closed = true;
    };
    if (this.handshake instanceof ClientHandshake) duplex.write(this.handshake.start());
  }

  /** Queued until the handshake is done. */
  send(message: RtmpMessage): void {
    this.sendRaw(this.writer.encode(message));
  }

  sendRaw(bytes: Uint8Array): void {
    if (this.ready) this.duplex.write(bytes);
    else this.queued.push(bytes);
  }

  private readonly queued: Uint8Array[] = [];

  sendCommand(name: string, transactionId: number, commandObject: AmfValue, args: AmfValue[] = [], streamId = 0, typeId: number = MessageType.CommandAmf0): void {
    const payload = encodeCommand({ name, transactionId, commandObject, args }, typeId === MessageType.CommandAmf3 ? 'amf3' : 'amf0');
    this.send({ csid: 3, typeId, streamId, timestamp: 0, payload });
  }

  /** Decoded commands received so far. */
  commands(): (CommandMessage & { streamId: number; typeId: number; csid: number })[] {
    return this.messages.filter((m) => isCommandType(m.typeId)).map((m) => ({ ...decodeCommand(m.payload, m.typeId), streamId: m.streamId, typeId: m.typeId, csid: m.csid }));
  }

  waitFor(predicate: (message: RtmpMessage) => boolean, timeoutMs = 2000): Promise<RtmpMessage> {
    const found = this.messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('RawPeer: message not received in time')), timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  waitForCommand(name: string, timeoutMs?: number): Promise<CommandMessage & { streamId: number }> {
    return this.waitFor((m) => isCommandType(m.typeId) && decodeCommand(m.payload, m.typeId).name === name, timeoutMs).then((m) => ({
      ...decodeCommand(m.payload, m.typeId),
      streamId: m.streamId,
    }));
  }

  close(): void {
    this.duplex.close();
  }

  private feed(bytes: Uint8Array): void {
    let rest = bytes;
    if (!this.ready) {
      const step: HandshakeStep = this.handshake.feed(bytes);
      if (step.output) this.duplex.write(step.output);
      if (!step.done) return;
      this.ready = true;
      for (const bytes of this.queued.splice(0)) this.duplex.write(bytes);
      rest = step.rest;
    }
    if (rest.length > 0) this.reader.feed(rest);
  }

  private received(message: RtmpMessage): void {
    this.messages.push(message);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(message)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  }
}
