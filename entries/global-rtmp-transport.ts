/**
 * dist/kazoo-rtmp-transport.js: the RTMP transport's code for dist/kazoo.js, which fetches it only for
 * pages that need RTMP. It publishes the transport on one global and defines nothing else.
 */
import type { OnDemandTransport } from '../src/facade/kazoo';
import { RTMP_TRANSPORT_GLOBAL } from './on-demand-contract';
import { createRtmpTransport, rtmpAvailable } from '../transports/rtmp/index';

const transport: OnDemandTransport = { factory: createRtmpTransport, available: () => rtmpAvailable() };
(globalThis as Record<string, unknown>)[RTMP_TRANSPORT_GLOBAL] = transport;
