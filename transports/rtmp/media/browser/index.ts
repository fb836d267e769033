// Browser-only: microphone and speaker for the RTMP transport (AudioWorklet, getUserMedia).
export { browserMedia, startBrowserMedia } from './browser-media';
export type { BrowserCallMedia, BrowserMediaOptions } from './browser-media';
export { jitterBuffer } from './jitter-buffer';
export type { JitterBuffer } from './jitter-buffer';
