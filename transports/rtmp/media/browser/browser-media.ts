/**
 * Microphone and speaker for an RTMP call in a browser. The AudioContext runs at the device's native
 * rate (Firefox refuses a microphone in a context of another rate); capture is resampled to 8 kHz,
 * cut into 160-sample frames and μ-law encoded; far-end frames are decoded, resampled to the context
 * rate and queued in the playback worklet's jitter buffer. Echo cancellation stays on.
 */
import { Resampler } from '../resampler';
import { decodeG711ToFloat, encodeG711FromFloat, type G711Law } from '../g711';
import type { CallMedia, CallMediaFactory } from '../../adapter/call-media';
import { CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR, workletSource, type PlaybackProcessorOptions } from './worklet-source';

const FRAME = 160;
const RATE = 8000;

export interface BrowserMediaOptions {
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  createContext?: () => AudioContext;
  /** where playback goes (default: the context's destination); tests tap it with an AnalyserNode */
  connectOutput?: (node: AudioNode, context: AudioContext) => void;
  /** frames buffered before playback starts (default 2 = 40 ms) */
  prefillFrames?: number;
  /** frames beyond which the oldest are dropped (default 8 = 160 ms) */
  maxFrames?: number;
}

/** The browser's CallMediaFactory: each call opens the microphone and its own AudioContext. */
export function browserMedia(options: BrowserMediaOptions = {}): CallMediaFactory {
  return (send) => startBrowserMedia(send, options);
}

export async function startBrowserMedia(send: (pcmu: Uint8Array) => void, options: BrowserMediaOptions = {}): Promise<BrowserCallMedia> {
  const getUserMedia = options.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c));
  const stream = await getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    video: false,
  });
  let context: AudioContext | null = null;
  try {
    context = options.createContext ? options.createContext() : new AudioContext();
    await loadWorklets(context);
    const media = new BrowserCallMedia(context, stream, send, options);
    await context.resume().catch(() => undefined); // autoplay policy: resumes on the next gesture otherwise
    return media;
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    void context?.close().catch(() => undefined);
    throw error;
  }
}

async function loadWorklets(context: AudioContext): Promise<void> {
  const url = URL.createObjectURL(new Blob([workletSource()], { type: 'text/javascript' }));
  try {
    await context.audioWorklet.addModule(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export class BrowserCallMedia implements CallMedia {
  private muted = false;
  private stopped = false;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly capture: AudioWorkletNode;
  readonly playback: AudioWorkletNode;
  private readonly down: Resampler;
  private readonly up: Resampler;
  private readonly pending = new Float32Array(FRAME);
  private filled = 0;
  private readonly silence = new Uint8Array(FRAME).fill(0xff);
  /** frames sent, for diagnostics */
  framesSent = 0;

  constructor(
    readonly context: AudioContext,
    private readonly stream: MediaStream,
    private readonly send: (pcmu: Uint8Array) => void,
    options: BrowserMediaOptions,
  ) {
    const rate = Math.round(context.sampleRate);
    this.down = new Resampler(rate, RATE);
    this.up = new Resampler(RATE, rate);
    this.source = context.createMediaStreamSource(stream);
    this.capture = new AudioWorkletNode(context, CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1 });
    this.capture.port.onmessage = (e: MessageEvent<Float32Array>) => this.captured(e.data);
    this.source.connect(this.capture);
    // a worklet that reaches no destination may never be pulled; its output is silence
    this.capture.connect(context.destination);
    const processorOptions: PlaybackProcessorOptions = {
      frameSamples: Math.round(rate / 50),
      prefillFrames: options.prefillFrames ?? 2,
      maxFrames: options.maxFrames ?? 8,
    };
    this.playback = new AudioWorkletNode(context, PLAYBACK_PROCESSOR, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1], processorOptions });
    if (options.connectOutput) options.connectOutput(this.playback, context);
    else this.playback.connect(context.destination);
  }

  play(law: G711Law, frame: Uint8Array): void {
    if (this.stopped) return;
    const samples = this.up.process(decodeG711ToFloat(law, frame));
    if (samples.length > 0) this.playback.port.postMessage(samples, [samples.buffer]);
  }

  mute(muted: boolean): void {
    this.muted = muted;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.capture.port.onmessage = null;
    this.source.disconnect();
    this.capture.disconnect();
    this.playback.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
    void this.context.close().catch(() => undefined);
  }

  /** native-rate samples from the worklet → 8 kHz → 160-sample PCMU frames */
  private captured(block: Float32Array): void {
    if (this.stopped) return;
    const samples = this.down.process(block);
    for (let i = 0; i < samples.length; ) {
      const n = Math.min(FRAME - this.filled, samples.length - i);
      this.pending.set(samples.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === FRAME) {
        this.filled = 0;
        this.framesSent++;
        // muted: silence keeps the far end's jitter buffer fed; the microphone stays open for unmute
        this.send(this.muted ? this.silence.slice() : encodeG711FromFloat('pcmu', this.pending));
      }
    }
  }
}
