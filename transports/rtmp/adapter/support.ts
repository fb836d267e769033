/**
 * Can this environment run the RTMP transport? The facade calls onFlashMissing when it cannot: the
 * 2014 meaning ("the fallback is missing here") with today's requirements instead of Flash.
 */
export interface RtmpEnvironment {
  WebSocket?: unknown;
  fetch?: unknown;
  AudioContext?: unknown;
  webkitAudioContext?: unknown;
  AudioWorkletNode?: unknown;
  navigator?: { mediaDevices?: { getUserMedia?: unknown } };
}

/** A byte carrier (WebSocket or fetch for RTMPT), AudioWorklet, and getUserMedia. Pure: pass `globalThis`. */
export function rtmpSupported(g: RtmpEnvironment): boolean {
  const carrier = typeof g.WebSocket === 'function' || typeof g.fetch === 'function';
  const worklet = typeof (g.AudioContext ?? g.webkitAudioContext) === 'function' && typeof g.AudioWorkletNode === 'function';
  const microphone = typeof g.navigator?.mediaDevices?.getUserMedia === 'function';
  return carrier && worklet && microphone;
}
