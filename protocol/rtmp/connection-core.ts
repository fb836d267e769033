/**
 * What an RTMP client and server have in common once bytes flow: handshake, chunk reader and writer,
 * acknowledgements, ping answers, command encoding, transaction matching and replies. `RtmpConnection`
 * is the base of `RtmpClient` and `RtmpServerSession`; each passes the handshake role it plays, so the
 * browser client never carries the server's. It owns the duplex and turns every failure into one typed
 * close; it never throws into the duplex's callbacks.
 */
import { AmfValue } from './amf-values';
import { ByteDuplex } from './duplex';
import { ChunkReader } from './chunk-reader';
import { ChunkWriter } from './chunk-writer';
import { DEFAULT_HANDSHAKE_ENVIRONMENT, Handshake, HandshakeEnvironment } from './handshake';
import { RtmpLimits, resolveLimits } from './limits';
import { ChunkStreamId, MessageType, RtmpMessage } from './message';
import { RtmpProtocolError, toRtmpError } from './errors';
import { CommandEnvelope, CommandMessage, commandTypeFor, decodeCommand, encodeCommand, isCommandType } from './command-messages';
import {
  ControlMessage,
  PeerBandwidthLimit,
  UserControlEvent,
  acknowledgementMessage,
  decodeControlMessage,
  isControlMessage,
  setChunkSizeMessage,
  userControlMessage,
  windowAckSizeMessage,
} from './control-messages';
import { splitAggregate } from './aggregate';
import { CallReply, RtmpCallError, TransactionTable } from './transactions';
import { GLOBAL_TIMERS, Timers } from './timers';
import { concatBytes } from './concat-bytes';
import { Emitter } from './emitter';

export interface EndpointOptions {
  readonly limits?: Partial<RtmpLimits>;
  readonly timers?: Timers;
  readonly handshake?: Partial<HandshakeEnvironment>;
  /** Type 1/2/3 chunk headers where allowed (default true). */
  readonly compressHeaders?: boolean;
  /** How long `call` waits for `_result`/`_error` (default 10 s). */
  readonly callTimeoutMs?: number;
}

/** A method the peer invoked on us (`invited`, `invite`, …). */
export interface IncomingCommand {
  readonly name: string;
  /** 0: the peer wants no answer. */
  readonly transactionId: number;
  readonly commandObject: AmfValue;
  readonly args: readonly AmfValue[];
  readonly streamId: number;
}

/** Answers a peer's call: the return value becomes `_result`, a throw or rejection `_error`. */
export type CommandHandler = (command: IncomingCommand) => AmfValue | void | Promise<AmfValue | void>;

/** What every connection emits; the client and the server session add their own events. */
export interface ConnectionEvents {
  /** A malformed message was dropped; the connection lives on. */
  error: RtmpProtocolError;
  close: { readonly error?: Error };
}

export interface CallOptions {
  readonly streamId?: number;
  readonly commandObject?: AmfValue;
  readonly transactionId?: number;
  readonly timeoutMs?: number;
  readonly csid?: number;
}

/** The handshake environment of `options`, defaults filled in. */
export function handshakeEnvironment(options: EndpointOptions): HandshakeEnvironment {
  return { ...DEFAULT_HANDSHAKE_ENVIRONMENT, ...options.handshake };
}

export abstract class RtmpConnection<Events extends ConnectionEvents> extends Emitter<Events> {
  protected readonly limits: RtmpLimits;
  protected readonly timers: Timers;
  protected readonly callTimeoutMs: number;
  /** Commands go out as type 20 unless a client asked the server for objectEncoding 3. */
  protected envelope: CommandEnvelope = 'amf0';
  private readonly reader: ChunkReader;
  private readonly writer: ChunkWriter;
  private readonly transactions: TransactionTable;
  private readonly pings = new Map<number, { resolve(rtt: number): void; reject(error: Error): void; timer: unknown; sentAt: number }>();
  private ready = false;
  private isClosed = false;
  private corked: Uint8Array[] | null = null;
  private bytesIn = 0;
  private ackedAt = 0;
  private peerWindow = 0;
  private sentWindow = 0;
  // No limit yet counts as Hard, so that a first Dynamic Set Peer Bandwidth (NMS sends one) applies.
  private peerLimitType: number = PeerBandwidthLimit.Hard;

  constructor(
    private readonly duplex: ByteDuplex,
    private readonly handshake: Handshake,
    options: EndpointOptions,
  ) {
    super();
    this.limits = resolveLimits(options.limits);
    this.timers = options.timers ?? GLOBAL_TIMERS;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.reader = new ChunkReader((message) => this.dispatch(message), this.limits);
    this.writer = new ChunkWriter(options);
    // Replies to the connect command carry transaction id 1; our own calls start at 2 (rtmplite's habit).
    this.transactions = new TransactionTable(this.timers, 2);
    duplex.onData = (bytes) => this.receive(bytes);
    duplex.onClose = (error) => this.shutdown(error);
  }

  /** Bytes the chunk reader holds between reads: ≤ `limits.maxBufferedBytes` plus one chunk header. */
  get bufferedBytes(): number {
    return this.reader.bufferedBytes;
  }

  /** Sends a User Control Ping Request and resolves with the round trip in ms. */
  ping(timeoutMs = 5000): Promise<number> {
    if (this.isClosed) return Promise.reject(closedError());
    const sentAt = Date.now();
    let key = sentAt >>> 0;
    while (this.pings.has(key)) key = (key + 1) >>> 0;
    return new Promise<number>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pings.delete(key);
        reject(new RtmpProtocolError('timeout', `no ping response in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pings.set(key, { resolve, reject, timer, sentAt });
      this.send(userControlMessage(UserControlEvent.PingRequest, key));
    });
  }

  /** Announces and switches the outgoing chunk size (the announcement itself uses the old size). */
  setChunkSize(size: number): void {
    if (this.isClosed) return;
    const announcement = this.writer.encode(setChunkSizeMessage(size));
    this.writer.setChunkSize(size);
    this.write(announcement);
  }

  /** Graceful close: pending calls fail, the duplex flushes and closes. */
  close(error?: Error): void {
    if (this.isClosed) return;
    // What was sent inside a batch still goes out first (a rejected connect's `_error`, say).
    if (this.corked) {
      if (this.corked.length > 0) this.duplex.write(concatBytes(this.corked));
      this.corked = [];
    }
    this.shutdown(error);
    this.duplex.close();
  }

  /** The handshake is done: the chunk stream starts. */
  protected abstract handshakeDone(): void;
  /** A command of the peer's other than `_result`/`_error`. */
  protected abstract handleCommand(command: IncomingCommand): void;
  /** Every message that is not a command, after this class's own handling (controls included, with `control` decoded). */
  protected abstract handleMessage(message: RtmpMessage, control?: ControlMessage): void;
  /** Once, after pending calls and pings failed; the subclass emits `close`. */
  protected abstract handleClosed(error: Error | undefined): void;

  protected get closed(): boolean {
    return this.isClosed;
  }

  protected get outgoingChunkSize(): number {
    return this.writer.chunkSize;
  }

  /** Unsent bytes in the duplex: senders of audio drop frames rather than queue seconds of voice. */
  protected get outputBacklog(): number {
    return this.duplex.bufferedAmount ?? 0;
  }

  /** Writes the handshake's first bytes (the client's C0+C1). */
  protected startHandshake(): void {
    const first = this.handshake.start?.();
    if (first) this.write(first);
  }

  /** Writes everything `fn` sends in one duplex write (one TCP segment, WebSocket frame or RTMPT post). */
  protected batch<T>(fn: () => T): T {
    if (this.corked) return fn();
    this.corked = [];
    try {
      return fn();
    } finally {
      const parts = this.corked;
      this.corked = null;
      if (parts.length > 0) this.write(concatBytes(parts));
    }
  }

  protected send(message: RtmpMessage): void {
    if (!this.isClosed) this.write(this.writer.encode(message));
  }

  /** Asks the peer to acknowledge every `size` bytes (Window Acknowledgement Size). */
  protected announceWindow(size: number): void {
    this.sentWindow = size;
    this.send(windowAckSizeMessage(size));
  }

  protected sendCommand(streamId: number, command: CommandMessage, csid?: number): void {
    if (!this.isClosed) this.send(this.commandMessage(streamId, command, csid));
  }

  /** A call that waits for `_result`/`_error`. Encodes first: unencodable arguments reject this call, not the connection. */
  protected callPeer(method: string, args: readonly AmfValue[], options: CallOptions = {}): Promise<CallReply> {
    if (this.isClosed) return Promise.reject(closedError());
    const transactionId = options.transactionId ?? this.transactions.allocate();
    let message: RtmpMessage;
    try {
      message = this.commandMessage(options.streamId ?? 0, { name: method, transactionId, commandObject: options.commandObject ?? null, args }, options.csid);
    } catch (error) {
      return Promise.reject(error);
    }
    const reply = this.transactions.wait(transactionId, options.timeoutMs ?? this.callTimeoutMs, method);
    this.send(message);
    return reply;
  }

  /** A call with transaction id 0: no answer is wanted (how Flash's `nc.call(name, null, …)` sends). */
  protected notifyPeer(method: string, args: readonly AmfValue[], streamId = 0, csid?: number): void {
    this.sendCommand(streamId, { name: method, transactionId: 0, commandObject: null, args }, csid);
  }

  /** Answers an incoming command according to its transaction id; without a handler, `_error`. */
  protected answer(command: IncomingCommand, handler: CommandHandler | undefined): void {
    const { transactionId, streamId } = command;
    const reply = (name: string, args: AmfValue[]): void => {
      if (transactionId !== 0) this.sendCommand(streamId, { name, transactionId, commandObject: null, args });
    };
    // a reply always carries a value after the null command object: rtmplite reads args[0] of every
    // `_result` and its process dies with IndexError on an empty one (siprtmp.py's numbered calls)
    const succeed = (value: AmfValue | void): void => reply('_result', [value === undefined ? null : value]);
    const fail = (error: unknown): void =>
      reply('_error', [{ level: 'error', code: 'NetConnection.Call.Failed', description: error instanceof Error ? error.message : String(error) }]);
    try {
      if (!handler) throw new Error(`Method not found (${command.name}).`);
      const result = handler(command);
      if (result instanceof Promise) result.then(succeed, fail);
      else succeed(result);
    } catch (error) {
      fail(error);
    }
  }

  private commandMessage(streamId: number, command: CommandMessage, csid: number = ChunkStreamId.Command): RtmpMessage {
    const payload = encodeCommand(command, this.envelope, this.limits.maxAmfDepth);
    return { csid, typeId: commandTypeFor(this.envelope), streamId, timestamp: 0, payload };
  }

  private write(bytes: Uint8Array): void {
    if (this.isClosed) return;
    if (this.corked) this.corked.push(bytes);
    else this.duplex.write(bytes);
  }

  private receive(bytes: Uint8Array): void {
    if (this.isClosed) return;
    try {
      // Everything this input provokes (C2 + connect, ping answers, acks) leaves in one write.
      this.batch(() => {
        this.bytesIn += bytes.length;
        let rest = bytes;
        if (!this.ready) {
          const step = this.handshake.feed(bytes);
          if (step.output) this.write(step.output);
          if (!step.done) return;
          this.ready = true;
          this.handshakeDone();
          rest = step.rest;
        }
        if (rest.length > 0 && !this.isClosed) this.reader.feed(rest);
        // Acknowledgement (§5.4.3): the byte count so far, once per window the peer asked for.
        if (this.peerWindow > 0 && this.bytesIn - this.ackedAt >= this.peerWindow) {
          this.ackedAt = this.bytesIn;
          this.send(acknowledgementMessage(this.bytesIn));
        }
      });
    } catch (error) {
      this.close(toRtmpError(error));
    }
  }

  private dispatch(message: RtmpMessage): void {
    if (this.isClosed) return;
    if (isControlMessage(message.typeId)) {
      this.handleMessage(message, this.handleControl(message));
    } else if (isCommandType(message.typeId)) {
      this.receiveCommand(message);
    } else if (message.typeId === MessageType.Aggregate) {
      for (const part of this.decodeOrReport(() => splitAggregate(message)) ?? []) this.dispatch(part);
    } else {
      this.handleMessage(message);
    }
  }

  private handleControl(message: RtmpMessage): ControlMessage {
    const control = decodeControlMessage(message);
    switch (control.kind) {
      case 'window-ack-size':
        this.peerWindow = control.size;
        break;
      case 'set-peer-bandwidth': {
        // §5.4.5: answer with Window Ack Size when the window changes; Dynamic counts only after Hard.
        if (control.limitType === PeerBandwidthLimit.Dynamic && this.peerLimitType !== PeerBandwidthLimit.Hard) break;
        const size = control.limitType === PeerBandwidthLimit.Soft && this.sentWindow > 0 ? Math.min(this.sentWindow, control.size) : control.size;
        this.peerLimitType = control.limitType === PeerBandwidthLimit.Dynamic ? PeerBandwidthLimit.Hard : control.limitType;
        if (size !== this.sentWindow) this.announceWindow(size);
        break;
      }
      case 'user-control':
        if (control.event === UserControlEvent.PingRequest) {
          // Answered by both roles: npm rtmp-client hangs up 5 s after an unanswered ping (notes §7).
          this.send(userControlMessage(UserControlEvent.PingResponse, control.value));
        } else if (control.event === UserControlEvent.PingResponse) {
          const ping = this.pings.get(control.value);
          if (ping) {
            this.pings.delete(control.value);
            this.timers.clearTimeout(ping.timer);
            ping.resolve(Date.now() - ping.sentAt);
          }
        }
        break;
      default:
        break; // chunk size and abort were applied by the reader; acknowledgements need nothing
    }
    return control;
  }

  private receiveCommand(message: RtmpMessage): void {
    const command = this.decodeOrReport(() => decodeCommand(message.payload, message.typeId, this.limits.maxAmfDepth));
    if (!command) return;
    const { name, transactionId, commandObject, args } = command;
    if (name === '_result' || name === '_error') {
      // Unmatched replies are dropped: rtmplite answers even transaction id 0 (notes §3).
      this.transactions.settle(name, transactionId, commandObject, args);
      return;
    }
    this.handleCommand({ name, transactionId, commandObject, args, streamId: message.streamId });
  }

  /** Runs `decode`; a malformed message is dropped (undefined) and reported as `error`, the connection lives on. */
  protected decodeOrReport<T>(decode: () => T): T | undefined {
    try {
      return decode();
    } catch (error) {
      // `error` is in every subclass's event map (Events extends ConnectionEvents).
      this.emit('error' as never, toRtmpError(error) as never);
      return undefined;
    }
  }

  private shutdown(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.transactions.failAll(error ? error.message : 'connection closed');
    for (const ping of this.pings.values()) {
      this.timers.clearTimeout(ping.timer);
      ping.reject(closedError());
    }
    this.pings.clear();
    this.handleClosed(error);
  }
}

function closedError(): RtmpCallError {
  return new RtmpCallError('closed', { code: 'NetConnection.Connect.Closed', description: 'connection closed' });
}
