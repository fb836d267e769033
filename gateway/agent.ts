/** The gateway's name on the wire (User-Agent of its requests, Server of its responses). */
import packageJson from '../package.json';

/** kazoo-rtmp-gateway/<version of the package it ships in>; `userAgent` / `--user-agent` replace it. */
export const DEFAULT_GATEWAY_AGENT = `kazoo-rtmp-gateway/${packageJson.version}`;
