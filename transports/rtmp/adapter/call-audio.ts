/**
 * The media half of an RTMP call: publish `local` and play `remote` on the call's connection (siprtmp
 * bridges the latest of each), hand far-end frames to the devices and send theirs. Streams close with
 * `closeStream` on their own ids when the call ends (`NetStream.close`), the only teardown rtmplite sees.
 */
import type { NetStream, AudioMessage } from '../../../protocol/rtmp/net-stream';
import type { Logger } from '../../../src/util/logger';
import type { CallMedia, CallMediaFactory } from '../media/call-media';

export interface AudioLine {
  createStream(): Promise<NetStream>;
  media: CallMediaFactory;
  logger: Logger;
}

export class CallAudio {
  private started = false;
  private stopped = false;
  private acquiring: Promise<void> | null = null;
  private muted = false;
  private media: CallMedia | null = null;
  private readonly streams: NetStream[] = [];
  private warnedCodec = false;

  constructor(private readonly line: AudioLine) {}

  /**
   * Opens the devices (microphone, speaker) once: the call does it before it invites or accepts, as
   * WebRTC does, so that a refused or missing microphone ends the call before anyone's phone rings.
   * Frames captured before the streams exist are dropped. Rejects with the device's error.
   */
  acquire(): Promise<void> {
    this.acquiring ??= Promise.resolve()
      .then(() => this.line.media((frame) => this.publish(frame)))
      .then((media) => {
        if (this.stopped) return media.stop();
        this.media = media;
        media.mute(this.muted);
      });
    return this.acquiring;
  }

  /** idempotent; `onFail` hears a microphone that cannot be opened (the call cannot go on without it) */
  start(onFail: (message: string) => void): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.openStreams();
    this.acquire().catch((error: unknown) => onFail(microphoneFailure(error)));
  }

  mute(muted: boolean): void {
    this.muted = muted;
    this.media?.mute(muted);
  }

  /**
   * The connection dropped and the call waits for the next one (our gateway's resume): the streams died
   * with the old connection; the devices stay open (frames captured meanwhile are dropped).
   */
  suspend(): void {
    this.streams.length = 0;
  }

  /** the call resumed on a new connection: publish and play again there */
  resume(): void {
    if (this.started && !this.stopped) void this.openStreams();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.media?.stop();
    this.media = null;
    for (const stream of this.streams.splice(0)) stream.close();
  }

  private local(): NetStream | undefined {
    return this.streams.find((s) => s.state === 'publishing');
  }

  private publish(frame: Uint8Array): void {
    this.local()?.sendG711('pcmu', frame);
  }

  /** sendAudio needs only the publish request, not its answer: frames flow at once, status is logged */
  private async openStreams(): Promise<void> {
    try {
      const local = await this.line.createStream();
      if (this.keep(local)) this.watch(local.publish('local'), 'publish');
      const remote = await this.line.createStream();
      if (!this.keep(remote)) return;
      remote.on('audio', (message) => this.receive(message));
      this.watch(remote.play('remote'), 'play');
    } catch (error) {
      if (!this.stopped) this.line.logger.warn(`RTMP streams could not be created: ${(error as Error).message}`);
    }
  }

  /** a stream created after the call ended is closed at once */
  private keep(stream: NetStream): boolean {
    if (this.stopped) {
      stream.close();
      return false;
    }
    this.streams.push(stream);
    return true;
  }

  private watch(started: Promise<unknown>, what: string): void {
    started.catch((error: Error) => {
      if (!this.stopped) this.line.logger.warn(`RTMP ${what} did not start: ${error.message}`);
    });
  }

  private receive(message: AudioMessage): void {
    const codec = message.tag?.codec;
    if (codec === 'pcmu' || codec === 'pcma') {
      if (message.tag && message.tag.data.length > 0) this.media?.play(codec, message.tag.data);
    } else if (!this.warnedCodec) {
      // Speex (0xB2) comes from gateways that were not offered PCMU: nothing here decodes it
      this.warnedCodec = true;
      this.line.logger.warn(`RTMP audio in an unsupported format (tag 0x${(message.payload[0] ?? 0).toString(16)}) dropped`);
    }
  }
}

/** "microphone unavailable (NotAllowedError: Permission denied)": the DOMException's name tells refused from missing */
export function microphoneFailure(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' && e.name !== 'Error' ? `${e.name}: ` : '';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return `microphone unavailable (${name}${message})`;
}
