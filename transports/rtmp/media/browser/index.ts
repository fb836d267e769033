// Browser-only: microphone and speaker for the RTMP transport (AudioWorklet, getUserMedia).
export { browserMedia, startBrowserMedia, BrowserCallMedia } from './browser-media';
export type { BrowserMediaOptions } from './browser-media';
export { JitterBuffer } from './jitter-buffer';
