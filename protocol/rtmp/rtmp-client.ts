/**
 * RtmpClient: NetConnection over any `ByteDuplex` (TCP in Node, WebSocket tunnel or RTMPT in browsers).
 *
 *   const client = new RtmpClient(duplex, { onCommand });
 *   await client.connect('rtmp://host/sip/alice@example.com', 'alice', 'secret', 'Alice', 'narrowband');
 *   client.on('command', ({ name, args }) => …);            // invited, accepted, byed… from siprtmp
 *   client.notify('invite', 'sip:bob@example.com');          // tid 0, as Flash's nc.call(name, null, …)
 *   const local = await client.createStream(); await local.publish('local'); local.sendG711('pcmu', frame);
 */
import { AmfObject, AmfValue } from './amf-values';
import { ByteDuplex } from './duplex';
import { ChunkStreamId, MessageType, RtmpMessage } from './message';
import { CommandHandler, ConnectionEvents, EndpointOptions, IncomingCommand, RtmpConnection, handshakeEnvironment } from './connection-core';
import { ClientHandshake } from './client-handshake';
import { DataMessage, StatusInfo, asStatusInfo, decodeData, isDataType } from './command-messages';
import { ControlMessage, UserControlEvent } from './control-messages';
import { NetStream, NetStreamHost } from './net-stream';
import { RtmpProtocolError } from './errors';
import { CallReply, RtmpCallError } from './transactions';
import { parseRtmpUrl } from './rtmp-url';

export interface RtmpClientOptions extends EndpointOptions {
  /** Outgoing chunk size announced right after the handshake (default 4096: a 161-byte audio message then fits one chunk). */
  readonly chunkSize?: number;
  /** Wait for the connect reply (default 30 s: siprtmp answers only after its SIP REGISTER). */
  readonly connectTimeoutMs?: number;
  readonly flashVer?: string;
  /** Extra or overriding fields of the connect command object. */
  readonly commandObject?: AmfObject;
  /** Answers the server's calls; by default each gets an empty `_result` when it wants one. */
  readonly onCommand?: CommandHandler;
  readonly chunkStreamIds?: { readonly command?: number; readonly audio?: number };
  /** `NetStream.sendAudio` drops frames while the duplex holds more than this unsent (default 64 KiB). */
  readonly maxOutputBacklog?: number;
}

export interface ConnectResult {
  /** The info object: `{ level: 'status', code: 'NetConnection.Connect.Success', … }`. */
  readonly info: StatusInfo;
  /** The server's properties (`fmsVer`, `capabilities`…); null from rtmplite. */
  readonly properties: AmfValue;
}

export interface RtmpClientEvents extends ConnectionEvents {
  /** The server invoked a client method (siprtmp: `invited`, `accepted`, `byed`, `unauthorized`…). */
  command: IncomingCommand;
  /** `onStatus` on the connection itself (message stream 0). */
  status: StatusInfo;
  /** A data message on the connection (message stream 0). */
  data: DataMessage;
}

export type RtmpClientState = 'idle' | 'handshaking' | 'connecting' | 'connected' | 'closed';

const CONNECT_TRANSACTION_ID = 1;
/** Flash's `audioCodecs` bits for G.711 A-law and μ-law (§7.2.1.1): the only ones we send and take. */
const AUDIO_CODECS_G711 = 0x80 | 0x100;

interface ConnectWaiter {
  readonly commandObject: AmfObject;
  readonly args: readonly AmfValue[];
  resolve(result: ConnectResult): void;
  reject(error: Error): void;
}

export class RtmpClient extends RtmpConnection<RtmpClientEvents> {
  private readonly streams = new Map<number, NetStream>();
  private readonly streamHost: NetStreamHost;
  private readonly options: RtmpClientOptions;
  private readonly commandCsid: number;
  private readonly audioCsid: number;
  private current: RtmpClientState = 'idle';
  private connectWaiter: ConnectWaiter | null = null;
  private handshakeTimer: unknown;

  constructor(duplex: ByteDuplex, options: RtmpClientOptions = {}) {
    super(duplex, new ClientHandshake(handshakeEnvironment(options)), options);
    this.options = options;
    this.commandCsid = options.chunkStreamIds?.command ?? ChunkStreamId.Command;
    this.audioCsid = options.chunkStreamIds?.audio ?? ChunkStreamId.Audio;
    this.streamHost = {
      timers: this.timers,
      callTimeoutMs: this.callTimeoutMs,
      sendStreamCommand: (streamId, name, args) => this.notifyPeer(name, args, streamId, this.commandCsid),
      sendStreamAudio: (streamId, payload, timestamp) => {
        // A stalled tunnel must not queue seconds of voice: a late frame is worse than a lost one.
        if (this.closed || this.outputBacklog > (options.maxOutputBacklog ?? 64 * 1024)) return false;
        this.send({ csid: this.audioCsid, typeId: MessageType.Audio, streamId, timestamp, payload });
        return true;
      },
      releaseStream: (streamId) => {
        this.streams.delete(streamId);
        this.batch(() => {
          this.notifyPeer('closeStream', [], streamId, this.commandCsid);
          this.notifyPeer('deleteStream', [streamId], 0, this.commandCsid);
        });
      },
    };
  }

  get state(): RtmpClientState {
    return this.current;
  }

  /**
   * Handshake, then `connect` with the command object and `args` as extra positional arguments (siprtmp:
   * login, password, display name, rate). Rejects with `RtmpCallError` (`info.code` e.g.
   * `NetConnection.Connect.Rejected`), after which the connection is closed.
   */
  connect(url: string, ...args: AmfValue[]): Promise<ConnectResult> {
    if (this.current !== 'idle') return Promise.reject(new Error(`connect() in state ${this.current}`));
    const target = parseRtmpUrl(url);
    const commandObject: AmfObject = {
      app: target.app,
      flashVer: this.options.flashVer ?? 'WIN 32,0,0,465',
      tcUrl: target.tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: AUDIO_CODECS_G711,
      videoCodecs: 0,
      videoFunction: 0,
      // siprtmp requires AMF0 (notes §3); replies in type 17 are still accepted.
      objectEncoding: 0,
      ...this.options.commandObject,
    };
    this.current = 'handshaking';
    const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
    return new Promise<ConnectResult>((resolve, reject) => {
      this.connectWaiter = { commandObject, args, resolve, reject };
      // A server that never finishes the handshake must not hold connect() forever.
      this.handshakeTimer = this.timers.setTimeout(() => {
        this.handshakeTimer = undefined;
        this.close(new RtmpProtocolError('timeout', `no RTMP handshake in ${timeoutMs} ms`));
      }, timeoutMs);
      this.startHandshake();
    });
  }

  /** Calls a server method and waits for `_result` (resolves) or `_error` (rejects with `RtmpCallError`). */
  call(method: string, ...args: AmfValue[]): Promise<CallReply> {
    if (this.current !== 'connected') return Promise.reject(new Error(`call() in state ${this.current}`));
    return this.callPeer(method, args, { csid: this.commandCsid });
  }

  /** Calls a server method with transaction id 0: no answer expected (NMS never answers, siprtmp's RPCs need none). */
  notify(method: string, ...args: AmfValue[]): void {
    if (this.current !== 'connected') throw new Error(`notify() in state ${this.current}`);
    this.notifyPeer(method, args, 0, this.commandCsid);
  }

  async createStream(): Promise<NetStream> {
    const reply = await this.call('createStream');
    const id = reply.args[0];
    if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
      throw new RtmpCallError('error-reply', { code: 'NetConnection.Call.Failed', description: `createStream answered ${String(id)}` });
    }
    const stream = new NetStream(this.streamHost, id);
    this.streams.set(id, stream);
    return stream;
  }

  /** Set Chunk Size and `connect`, in one write once the handshake is done (notes §2 "Wire cost"). */
  protected handshakeDone(): void {
    this.clearHandshakeTimer();
    const waiter = this.connectWaiter;
    if (!waiter) return;
    this.current = 'connecting';
    const chunkSize = this.options.chunkSize ?? 4096;
    const reply = this.batch(() => {
      if (chunkSize !== this.outgoingChunkSize) this.setChunkSize(chunkSize);
      return this.callPeer('connect', waiter.args, {
        commandObject: waiter.commandObject,
        transactionId: CONNECT_TRANSACTION_ID,
        timeoutMs: this.options.connectTimeoutMs ?? 30_000,
        csid: this.commandCsid,
      });
    });
    reply.then(
      (result) => {
        this.connectWaiter = null;
        this.current = 'connected';
        waiter.resolve({ info: asStatusInfo(result.args[0] ?? null), properties: result.commandObject });
      },
      (error: unknown) => {
        this.connectWaiter = null;
        waiter.reject(connectFailure(error));
        this.close();
      },
    );
  }

  protected handleCommand(command: IncomingCommand): void {
    const stream = command.streamId !== 0 ? this.streams.get(command.streamId) : undefined;
    if (command.name === 'onStatus') {
      const info = asStatusInfo(command.args[0] ?? command.commandObject);
      if (stream) stream.deliverStatus(info);
      else this.emit('status', info);
      return;
    }
    if (command.name === 'close' && command.streamId === 0) {
      this.close(); // FMS-style "disconnect" from the server
      return;
    }
    this.emit('command', command);
    this.answer(command, this.options.onCommand ?? (() => undefined));
  }

  protected handleMessage(message: RtmpMessage, control?: ControlMessage): void {
    switch (message.typeId) {
      case MessageType.Audio: {
        const stream = this.streams.get(message.streamId) ?? this.onlyPlayingStream();
        stream?.deliverAudio(message.timestamp, message.payload);
        return;
      }
      case MessageType.UserControl: {
        // decoded once, by RtmpConnection (which answered it if it was a ping)
        if (control?.kind === 'user-control' && control.event <= UserControlEvent.StreamIsRecorded) {
          this.streams.get(control.value)?.deliverUserControl(control.event);
        }
        return;
      }
      default:
        if (isDataType(message.typeId)) this.handleData(message);
    }
  }

  /**
   * node-media-server relays media with message stream id 0 rather than the player's stream id
   * (its `Rtmp.createMessage` never sets one): with a single playing stream there is no ambiguity.
   */
  private onlyPlayingStream(): NetStream | undefined {
    let found: NetStream | undefined;
    for (const stream of this.streams.values()) {
      if (stream.state === 'playing') {
        if (found) return undefined;
        found = stream;
      }
    }
    return found;
  }

  private handleData(message: RtmpMessage): void {
    const data = this.decodeOrReport(() => decodeData(message.payload, message.typeId, this.limits.maxAmfDepth));
    if (!data) return;
    const stream = this.streams.get(message.streamId);
    if (stream) stream.deliverData(data);
    else if (message.streamId === 0) this.emit('data', data);
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer === undefined) return;
    this.timers.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  protected handleClosed(error: Error | undefined): void {
    this.clearHandshakeTimer();
    const handshaking = this.current === 'handshaking';
    this.current = 'closed';
    const waiter = this.connectWaiter;
    // Once connect is sent, its own reply (`_error`, or the close failing the call) settles the waiter.
    if (handshaking && waiter) {
      this.connectWaiter = null;
      waiter.reject(connectFailure(error ?? new Error('connection closed during the handshake')));
    }
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const stream of streams) stream.markClosed();
    this.emit('close', error ? { error } : {});
  }
}

/** Every connect failure is an RtmpCallError: the server's `_error` as is, anything else as Connect.Failed. */
function connectFailure(error: unknown): RtmpCallError {
  if (error instanceof RtmpCallError && error.code === 'error-reply') return error;
  const code = error instanceof RtmpCallError ? error.code : error instanceof RtmpProtocolError && error.code === 'timeout' ? 'timeout' : 'closed';
  return new RtmpCallError(code, { code: 'NetConnection.Connect.Failed', description: error instanceof Error ? error.message : String(error) });
}
