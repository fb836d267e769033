/**
 * dist/kazoo.js, for `<script src="dist/kazoo.js">`: defines the global `kazoo` on WebRTC, as the 2014
 * library did. RTMP lives in dist/kazoo-rtmp.js until its client fits this build's size budget.
 */
import { createKazooOn } from './create';

(globalThis as { kazoo?: unknown }).kazoo = createKazooOn({}, {}, {});
