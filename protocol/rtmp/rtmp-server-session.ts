/**
 * RtmpServerSession: the server side of one RTMP connection, for the SIP gateway. It speaks RTMP as a
 * server should (issue 4): echoes C1 in S2, answers pings, sends Window Ack Size / Set Peer Bandwidth /
 * Set Chunk Size before the connect reply, sends its commands on chunk stream 3, and manages NetStreams.
 * It knows nothing of SIP: the gateway decides `connect`, answers calls and moves audio.
 *
 *   const session = new RtmpServerSession(duplex, { onConnect: async (req) => ({ accept: true }), onCommand });
 *   session.on('audio', ({ payload }) => …);            // frames the client publishes
 *   session.invoke('invited', 'sip:bob@x', 'sip:alice@x');
 *   session.sendAudio(tag, timestamp);                    // to the stream the client plays
 */
import { AmfObject, AmfValue, isPlainAmfObject } from './amf-values';
import { AudioTag, parseAudioTag } from './audio-tag';
import { ByteDuplex } from './duplex';
import { ChunkStreamId, MessageType, RtmpMessage } from './message';
import { CommandHandler, ConnectionEvents, EndpointOptions, IncomingCommand, RtmpConnection, handshakeEnvironment } from './connection-core';
import { ServerHandshake } from './server-handshake';
import { PeerBandwidthLimit, UserControlEvent, setPeerBandwidthMessage, userControlMessage } from './control-messages';
import { RtmpProtocolError } from './errors';
import { CallReply } from './transactions';

export interface ConnectRequest {
  /** `sip/alice@example.com` for siprtmp. */
  readonly app: string;
  readonly tcUrl: string;
  readonly objectEncoding: number;
  readonly commandObject: AmfObject;
  /** Extra positional arguments of `connect` (siprtmp: login, password, display name, rate). */
  readonly args: readonly AmfValue[];
}

export type ConnectDecision =
  | { readonly accept: true; readonly info?: AmfObject }
  | { readonly accept: false; readonly description?: string; readonly info?: AmfObject };

export interface RtmpServerSessionOptions extends EndpointOptions {
  /** Accept or reject `connect`; may take seconds (siprtmp waits for SIP REGISTER). A throw rejects. */
  readonly onConnect: (request: ConnectRequest) => ConnectDecision | Promise<ConnectDecision>;
  /** Answers the client's other calls (`invite`, `bye`…); without it they get `_error`. */
  readonly onCommand?: CommandHandler;
  /** Outgoing chunk size sent before the connect reply (default 4096). */
  readonly chunkSize?: number;
  readonly windowAckSize?: number;
  readonly peerBandwidth?: number;
  /** The handshake and an accepted connect must be done within this (default 30 s), else the session closes. */
  readonly connectTimeoutMs?: number;
  /** createStream beyond this many live streams gets `_error` (default 8). */
  readonly maxStreams?: number;
  /** `sendAudio` drops frames while the duplex holds more than this unsent (default 64 KiB). */
  readonly maxOutputBacklog?: number;
  readonly chunkStreamIds?: { readonly audio?: number };
}

export interface StreamEvent {
  readonly streamId: number;
  readonly name: string;
}

export interface ServerAudioMessage {
  readonly streamId: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
  readonly tag: AudioTag | null;
}

export interface RtmpServerSessionEvents extends ConnectionEvents {
  /** The connect was accepted and answered. */
  connect: ConnectRequest;
  /** The client called a method other than the NetConnection/NetStream ones. */
  command: IncomingCommand;
  publish: StreamEvent & { readonly type: string };
  play: StreamEvent;
  /** A publishing or playing stream ended: `closeStream` on it, `deleteStream`, or the connection closed. */
  'stream-end': { readonly streamId: number; readonly reason: 'closeStream' | 'deleteStream' | 'disconnect' };
  /** An audio message on the stream the client publishes. */
  audio: ServerAudioMessage;
}

export type ServerSessionState = 'handshaking' | 'connecting' | 'deciding' | 'connected' | 'closed';

type StreamRole = 'idle' | 'publishing' | 'playing';

interface StreamEntry {
  role: StreamRole;
  name: string;
}

/** Stream-level commands with nothing to answer (players send them; Flash sends receiveVideo false). */
const IGNORED_COMMANDS = new Set(['receiveAudio', 'receiveVideo', 'pause', 'seek']);

export class RtmpServerSession extends RtmpConnection<RtmpServerSessionEvents> {
  private readonly options: RtmpServerSessionOptions;
  private readonly streams = new Map<number, StreamEntry>();
  private readonly audioCsid: number;
  private current: ServerSessionState = 'handshaking';
  private request: ConnectRequest | null = null;
  private nextStreamId = 1;
  private publishing = 0;
  private playing = 0;
  private connectTimer: unknown;

  constructor(duplex: ByteDuplex, options: RtmpServerSessionOptions) {
    super(duplex, new ServerHandshake(handshakeEnvironment(options)), options);
    this.options = options;
    this.audioCsid = options.chunkStreamIds?.audio ?? ChunkStreamId.Audio;
    const timeoutMs = options.connectTimeoutMs ?? 30_000;
    this.connectTimer = this.timers.setTimeout(() => {
      this.connectTimer = undefined;
      if (this.current !== 'connected') this.close(new RtmpProtocolError('timeout', `no accepted connect within ${timeoutMs} ms`));
    }, timeoutMs);
  }

  get state(): ServerSessionState {
    return this.current;
  }

  /** The accepted connect request, once accepted. */
  get connectRequest(): ConnectRequest | null {
    return this.current === 'connected' ? this.request : null;
  }

  /** The stream the client publishes on (the latest `publish`), 0 if none. */
  get publishStreamId(): number {
    return this.publishing;
  }

  /** The stream the client plays (the latest `play`), 0 if none. */
  get playStreamId(): number {
    return this.playing;
  }

  /**
   * Invokes a client method without waiting (transaction id 0): `invited`, `accepted`, `byed`… Also
   * while `onConnect` decides, before the connect is answered: siprtmp calls `unauthorized('401 …')`
   * and then rejects. Ignored before a connect arrived and after the close.
   */
  invoke(method: string, ...args: AmfValue[]): void {
    if (this.current === 'connected' || this.current === 'deciding') this.notifyPeer(method, args);
  }

  /** Invokes a client method and waits for its `_result`. */
  call(method: string, ...args: AmfValue[]): Promise<CallReply> {
    if (this.current !== 'connected') return Promise.reject(new Error(`call() in state ${this.current}`));
    return this.callPeer(method, args);
  }

  /**
   * Sends one audio message (tag byte + data) on the stream the client plays. False when there is no
   * such stream or the connection is backed up: a late voice frame is worse than a lost one.
   */
  sendAudio(payload: Uint8Array, timestamp: number, streamId = this.playing): boolean {
    if (this.current !== 'connected' || streamId === 0 || this.streams.get(streamId)?.role !== 'playing') return false;
    if (this.outputBacklog > (this.options.maxOutputBacklog ?? 64 * 1024)) return false;
    this.send({ csid: this.audioCsid, typeId: MessageType.Audio, streamId, timestamp, payload });
    return true;
  }

  /** `onStatus` on a stream (or 0 for the connection). */
  sendStatus(streamId: number, info: AmfObject): void {
    this.sendCommand(streamId, { name: 'onStatus', transactionId: 0, commandObject: null, args: [info] });
  }

  protected handshakeDone(): void {
    this.current = 'connecting';
  }

  protected handleCommand(command: IncomingCommand): void {
    if (command.name === 'connect' && command.streamId === 0) {
      this.handleConnect(command);
      return;
    }
    if (this.current !== 'connected') {
      this.emit('error', new RtmpProtocolError('command-invalid', `${command.name} before an accepted connect`));
      return;
    }
    switch (command.name) {
      case 'createStream':
        this.handleCreateStream(command);
        return;
      case 'publish':
        this.handlePublish(command);
        return;
      case 'play':
        this.handlePlay(command);
        return;
      case 'closeStream':
        this.endStream(command.streamId, 'closeStream', false);
        return;
      case 'deleteStream': {
        const id = command.args[0];
        if (typeof id === 'number') this.endStream(id, 'deleteStream', true);
        return;
      }
      default:
        if (IGNORED_COMMANDS.has(command.name) && command.streamId !== 0) return;
        this.emit('command', command);
        this.answer(command, this.options.onCommand);
    }
  }

  private handleConnect(command: IncomingCommand): void {
    const { transactionId } = command;
    if (this.current !== 'connecting') {
      this.sendConnectError(transactionId, 'already connected');
      return;
    }
    const object = isPlainAmfObject(command.commandObject) ? command.commandObject : {};
    const request: ConnectRequest = {
      app: typeof object.app === 'string' ? object.app : '',
      tcUrl: typeof object.tcUrl === 'string' ? object.tcUrl : '',
      objectEncoding: object.objectEncoding === 3 ? 3 : 0,
      commandObject: object,
      args: command.args,
    };
    this.request = request;
    this.current = 'deciding';
    // A client asking for AMF3 gets type 17 commands, `00` + AMF0, as rtmplite answers (notes §3).
    this.envelope = request.objectEncoding === 3 ? 'amf3' : 'amf0';
    let decision: ConnectDecision | Promise<ConnectDecision>;
    try {
      decision = this.options.onConnect(request);
    } catch (error) {
      decision = { accept: false, description: error instanceof Error ? error.message : String(error) };
    }
    Promise.resolve(decision).then(
      (result) => this.finishConnect(transactionId, request, result),
      (error: unknown) => this.finishConnect(transactionId, request, { accept: false, description: error instanceof Error ? error.message : String(error) }),
    );
  }

  private finishConnect(transactionId: number, request: ConnectRequest, decision: ConnectDecision): void {
    if (this.closed) return;
    if (!decision.accept) {
      this.batch(() => {
        this.sendConnectError(transactionId, decision.description ?? 'Connection rejected.', decision.info);
        this.close();
      });
      return;
    }
    this.batch(() => {
      this.announceWindow(this.options.windowAckSize ?? 2_500_000);
      this.send(setPeerBandwidthMessage(this.options.peerBandwidth ?? 2_500_000, PeerBandwidthLimit.Dynamic));
      const chunkSize = this.options.chunkSize ?? 4096;
      if (chunkSize !== this.outgoingChunkSize) this.setChunkSize(chunkSize);
      this.sendCommand(0, {
        name: '_result',
        transactionId,
        commandObject: { fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 },
        args: [
          {
            level: 'status',
            code: 'NetConnection.Connect.Success',
            description: 'Connection succeeded.',
            objectEncoding: request.objectEncoding,
            ...decision.info,
          },
        ],
      });
    });
    this.current = 'connected';
    this.timers.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.emit('connect', request);
  }

  private sendConnectError(transactionId: number, description: string, info?: AmfObject): void {
    this.sendCommand(0, {
      name: '_error',
      transactionId,
      commandObject: null,
      args: [{ level: 'error', code: 'NetConnection.Connect.Rejected', description, ...info }],
    });
  }

  private handleCreateStream(command: IncomingCommand): void {
    if (this.streams.size >= (this.options.maxStreams ?? 8)) {
      this.answer(command, () => {
        throw new Error('too many streams');
      });
      return;
    }
    const id = this.nextStreamId++;
    this.streams.set(id, { role: 'idle', name: '' });
    this.answer(command, () => id);
  }

  private handlePublish(command: IncomingCommand): void {
    const { streamId } = command;
    const name = this.startStream(command, 'publishing', 'NetStream.Publish.BadName');
    if (name === null) return;
    const type = typeof command.args[1] === 'string' ? command.args[1] : 'live';
    this.publishing = streamId;
    this.sendStatus(streamId, { level: 'status', code: 'NetStream.Publish.Start', description: `${name} is now published.`, details: name });
    this.emit('publish', { streamId, name, type });
  }

  private handlePlay(command: IncomingCommand): void {
    const { streamId } = command;
    const name = this.startStream(command, 'playing', 'NetStream.Play.StreamNotFound');
    if (name === null) return;
    this.playing = streamId;
    this.batch(() => {
      this.send(userControlMessage(UserControlEvent.StreamBegin, streamId));
      this.sendStatus(streamId, { level: 'status', code: 'NetStream.Play.Reset', description: `Playing and resetting ${name}.`, details: name });
      this.sendStatus(streamId, { level: 'status', code: 'NetStream.Play.Start', description: `Started playing ${name}.`, details: name });
    });
    this.emit('play', { streamId, name });
  }

  /**
   * Gives the command's stream its new role and returns the stream name; a second publish or play on a
   * stream replaces the first. Null, after an error status with `badCode`, for an unknown stream or no name.
   */
  private startStream(command: IncomingCommand, role: 'publishing' | 'playing', badCode: string): string | null {
    const { streamId } = command;
    const stream = this.streams.get(streamId);
    const name = command.args[0];
    if (!stream || typeof name !== 'string' || name === '') {
      this.sendStatus(streamId, { level: 'error', code: badCode, description: 'no such stream or name' });
      return null;
    }
    this.endStream(streamId, 'closeStream', false);
    stream.role = role;
    stream.name = name;
    return name;
  }

  /** Ends a stream's publish/play role; `remove` also forgets the stream (deleteStream). */
  private endStream(streamId: number, reason: 'closeStream' | 'deleteStream' | 'disconnect', remove: boolean): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    const wasActive = stream.role !== 'idle';
    stream.role = 'idle';
    if (this.publishing === streamId) this.publishing = 0;
    if (this.playing === streamId) this.playing = 0;
    if (remove) this.streams.delete(streamId);
    if (wasActive) this.emit('stream-end', { streamId, reason });
  }

  protected handleMessage(message: RtmpMessage): void {
    if (message.typeId !== MessageType.Audio || this.current !== 'connected') return;
    if (this.streams.get(message.streamId)?.role !== 'publishing') return;
    this.emit('audio', { streamId: message.streamId, timestamp: message.timestamp, payload: message.payload, tag: parseAudioTag(message.payload) });
  }

  protected handleClosed(error: Error | undefined): void {
    this.current = 'closed';
    if (this.connectTimer !== undefined) {
      this.timers.clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
    for (const id of [...this.streams.keys()]) this.endStream(id, 'disconnect', true);
    this.emit('close', error ? { error } : {});
  }
}
