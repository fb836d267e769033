/** The `<script src="dist/kazoo.js">` build: defines the global `kazoo`, as the 2014 library did. */
import { kazoo } from './index';

(globalThis as { kazoo?: typeof kazoo }).kazoo = kazoo;
