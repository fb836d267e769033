/**
 * Microphone and speaker for an RTMP call in a browser. The AudioContext runs at the device's native
 * rate (Firefox refuses a microphone in a context of another rate) and the worklets do all the signal
 * work (`worklet-source.ts`): capture resamples to 8 kHz, encodes G.711 and posts 160-byte frames, which
 * this thread hands to `send`; far-end frames go to the playback worklet, which decodes, resamples and
 * plays them through its jitter buffer. Echo cancellation, noise suppression and AGC stay requested.
 */
import type { G711Law } from '../../../../protocol/audio/g711';
import type { CallMedia, CallMediaFactory } from '../call-media';
import { CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR, workletSource, type CaptureProcessorOptions, type PlaybackProcessorOptions } from './worklet-source';

export interface BrowserMediaOptions {
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  /** default: `new AudioContext()`, at the device's rate */
  createContext?: () => AudioContext;
  /** where playback goes (default: the context's destination); tests tap it with an AnalyserNode */
  connectOutput?: (node: AudioNode, context: AudioContext) => void;
  /** frames buffered before playback starts (default 2 = 40 ms) */
  prefillFrames?: number;
  /** frames beyond which the oldest are dropped (default 8 = 160 ms) */
  maxFrames?: number;
  /** the law of the frames `send` gets (default 'pcmu', what the adapter publishes) */
  law?: G711Law;
}

export interface BrowserCallMedia extends CallMedia {
  readonly context: AudioContext;
  readonly playback: AudioWorkletNode;
}

/** The browser's CallMediaFactory: each call opens the microphone and its own AudioContext. */
export function browserMedia(options: BrowserMediaOptions = {}): CallMediaFactory {
  return (send) => startBrowserMedia(send, options);
}

export async function startBrowserMedia(send: (frame: Uint8Array) => void, options: BrowserMediaOptions = {}): Promise<BrowserCallMedia> {
  const stream = await (options.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c)))({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    video: false,
  });
  let context: AudioContext | undefined;
  try {
    context = options.createContext ? options.createContext() : new AudioContext();
    const url = URL.createObjectURL(new Blob([workletSource()], { type: 'text/javascript' }));
    try {
      await context.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const alaw = options.law === 'pcma';
    const capture = new AudioWorkletNode(context, CAPTURE_PROCESSOR, { channelCount: 1, processorOptions: { alaw } satisfies CaptureProcessorOptions });
    const processorOptions: PlaybackProcessorOptions = { prefill: options.prefillFrames ?? 2, max: options.maxFrames ?? 8 };
    const playback = new AudioWorkletNode(context, PLAYBACK_PROCESSOR, { numberOfInputs: 0, outputChannelCount: [1], processorOptions });
    const source = context.createMediaStreamSource(stream);
    let muted = false;
    // muted: frames of silence keep the far end's jitter buffer fed; the microphone stays open for unmute
    capture.port.onmessage = ({ data }: MessageEvent<Uint8Array>) => send(muted ? data.fill(alaw ? 0xd5 : 0xff) : data);
    // a worklet that reaches no destination may never be pulled; the capture's output is silence
    source.connect(capture).connect(context.destination);
    if (options.connectOutput) options.connectOutput(playback, context);
    else playback.connect(context.destination);
    await context.resume().catch(() => undefined); // autoplay policy: resumes on the next gesture otherwise
    const ctx = context;
    return {
      context,
      playback,
      play(law, frame) {
        const copy = frame.slice(); // `frame` may be a view into a larger message: transfer a copy
        playback.port.postMessage([law === 'pcma', copy], [copy.buffer]);
      },
      mute(on) {
        muted = on;
      },
      // idempotent: no more frames, nodes and tracks released, context closed (a second close rejects)
      stop() {
        capture.port.onmessage = null;
        source.disconnect();
        capture.disconnect();
        playback.disconnect();
        for (const track of stream.getTracks()) track.stop();
        ctx.close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    context?.close().catch(() => undefined);
    throw error;
  }
}
