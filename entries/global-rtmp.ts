/** dist/kazoo-rtmp.js: the global `kazoo` with both transports (WebRTC, and RTMP for `forceRTMP` pages). */
import { kazoo } from './index';

(globalThis as { kazoo?: unknown }).kazoo = kazoo;
