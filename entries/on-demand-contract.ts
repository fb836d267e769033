/** The contract between dist/kazoo.js and the transport code it fetches on demand. */

/** the file beside kazoo.js (kazoo.min.js fetches the minified one) */
export const rtmpTransportScript = (base: string | undefined): string =>
  /\.min\.js(\?|#|$)/.test(base ?? '') ? 'kazoo-rtmp-transport.min.js' : 'kazoo-rtmp-transport.js';

/** the global the fetched script publishes its OnDemandTransport on */
export const RTMP_TRANSPORT_GLOBAL = 'kazooRtmpTransport';
