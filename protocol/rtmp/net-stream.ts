/**
 * NetStream (§7.2.2) on the client: publish our microphone as `local`, play the gateway's `remote`, send
 * and receive FLV audio messages. Created by `RtmpClient.createStream()`.
 */
import { AmfValue } from './amf-values';
import { AudioTag, G711_FRAME_MS, G711Codec, encodeG711AudioMessage, parseAudioTag } from './audio-tag';
import { DataMessage, StatusInfo } from './command-messages';
import { Emitter } from './emitter';
import { RtmpCallError } from './transactions';
import { Timers } from './timers';

export interface AudioMessage {
  readonly timestamp: number;
  /** The whole message: tag byte + codec data. */
  readonly payload: Uint8Array;
  readonly tag: AudioTag | null;
}

export interface NetStreamEvents {
  status: StatusInfo;
  audio: AudioMessage;
  data: DataMessage;
  /** Stream Begin / Stream EOF / Stream Dry… (event number from `UserControlEvent`). */
  'user-control': { readonly event: number };
  close: void;
}

/** What a NetStream needs from its connection; implemented by `RtmpClient`. */
export interface NetStreamHost {
  readonly timers: Timers;
  readonly callTimeoutMs: number;
  sendStreamCommand(streamId: number, name: string, args: readonly AmfValue[]): void;
  sendStreamAudio(streamId: number, payload: Uint8Array, timestamp: number): boolean;
  releaseStream(streamId: number): void;
}

export type NetStreamState = 'idle' | 'publishing' | 'playing' | 'closed';

export class NetStream extends Emitter<NetStreamEvents> {
  private current: NetStreamState = 'idle';
  private framesSent = 0;

  constructor(
    private readonly host: NetStreamHost,
    readonly streamId: number,
  ) {
    super();
  }

  get state(): NetStreamState {
    return this.current;
  }

  /** Resolves on `NetStream.Publish.Start`; rejects on an error-level status, a timeout or a close. */
  publish(name: string, type: 'live' | 'record' | 'append' = 'live'): Promise<StatusInfo> {
    this.assertOpen();
    const started = this.awaitStatus('NetStream.Publish.', 'NetStream.Publish.Start');
    this.current = 'publishing';
    this.framesSent = 0;
    this.host.sendStreamCommand(this.streamId, 'publish', [name, type]);
    return started;
  }

  /** `start` -1 = live only (a call's far end is live). Resolves on `NetStream.Play.Start`. */
  play(name: string, start = -1): Promise<StatusInfo> {
    this.assertOpen();
    const started = this.awaitStatus('NetStream.Play.', 'NetStream.Play.Start');
    this.current = 'playing';
    this.host.sendStreamCommand(this.streamId, 'play', [name, start]);
    return started;
  }

  /** Sends one audio message (tag byte + data); false if dropped because the connection is backed up. */
  sendAudio(payload: Uint8Array, timestamp: number): boolean {
    if (this.current !== 'publishing') return false;
    return this.host.sendStreamAudio(this.streamId, payload, timestamp);
  }

  /**
   * Sends one 20 ms G.711 frame (160 bytes), stamped 20 ms after the previous one: siprtmp counts every
   * message as 20 ms whatever its stamp, so the stamps just keep players honest (notes §0.6).
   */
  sendG711(codec: G711Codec, frame: Uint8Array): boolean {
    const timestamp = (this.framesSent * G711_FRAME_MS) >>> 0;
    this.framesSent++;
    return this.sendAudio(encodeG711AudioMessage(codec, frame), timestamp);
  }

  /** `closeStream` on the stream's own id, then `deleteStream`: rtmplite tears down only on the former (notes §3). */
  close(): void {
    if (this.current === 'closed') return;
    this.host.releaseStream(this.streamId);
    this.markClosed();
  }

  /** @internal Routed by the client. */
  deliverAudio(timestamp: number, payload: Uint8Array): void {
    this.emit('audio', { timestamp, payload, tag: parseAudioTag(payload) });
  }

  /** @internal */
  deliverStatus(info: StatusInfo): void {
    this.emit('status', info);
  }

  /** @internal */
  deliverData(data: DataMessage): void {
    this.emit('data', data);
  }

  /** @internal */
  deliverUserControl(event: number): void {
    this.emit('user-control', { event });
  }

  /** @internal The connection closed. */
  markClosed(): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    this.emit('close', undefined);
  }

  private assertOpen(): void {
    if (this.current === 'closed') throw new Error(`NetStream ${this.streamId} is closed`);
  }

  private awaitStatus(prefix: string, success: string): Promise<StatusInfo> {
    return new Promise<StatusInfo>((resolve, reject) => {
      const timer = this.host.timers.setTimeout(() => {
        finish();
        reject(new RtmpCallError('timeout', { code: `${prefix}Failed`, description: `no ${success} in ${this.host.callTimeoutMs} ms` }));
      }, this.host.callTimeoutMs);
      const offStatus = this.on('status', (info) => {
        if (info.code === success) {
          finish();
          resolve(info);
        } else if (info.level === 'error' && info.code?.startsWith(prefix)) {
          finish();
          reject(new RtmpCallError('error-reply', info));
        }
      });
      const offClose = this.on('close', () => {
        finish();
        reject(new RtmpCallError('closed', { code: `${prefix}Failed`, description: 'stream closed' }));
      });
      const finish = (): void => {
        this.host.timers.clearTimeout(timer);
        offStatus();
        offClose();
      };
    });
  }
}
