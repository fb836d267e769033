/** Command-line flags of `kazoo-rtmp-gateway` → gateway options (pure, so a test can call it). */
import { parseHostPort } from './addressing';
import { isLogLevel } from './logger';
import type { RtmpGatewayOptions } from './options';
import { sipMessageBuilder } from '../protocol/sip/builder';
import { parseRtmpUrl } from '../protocol/rtmp/rtmp-url';
import type { TunnelFrontOptions } from './tunnel-front';
import type { WorkerCount } from './workers';

export const HELP = `kazoo-rtmp-gateway — SIP–RTMP gateway (siprtmp protocol, application "sip")

Usage: kazoo-rtmp-gateway [flags]

  --rtmp HOST:PORT         RTMP over TCP (default 127.0.0.1:1935; "off" to disable)
  --http HOST:PORT         WebSocket tunnel (path --ws-path) and RTMPT (/open/1, /send, /idle, /close)
                           on one HTTP port (default 127.0.0.1:1936; "off" to disable)
  --ws-path PATH           WebSocket tunnel path (default /rtmp)
  --sip-server HOST:PORT   SIP server, UDP (default 127.0.0.1:5060); every REGISTER and call goes there
  --sip-address ADDR       address for the gateway's SIP and RTP sockets, also put in SDP (default 127.0.0.1)
  --media-profile P        SDP of outgoing calls: rtp (RTP/AVP, for a PBX or rtpengine; default), webrtc
                           (ICE + DTLS-SRTP, for browsers behind a signalling-only server) or auto (ICE +
                           DTLS-SRTP, and once more in RTP/AVP when the far end answers 488/415/606);
                           incoming calls are answered in the profile they were offered in
  --max-sessions N         concurrent RTMP connections (default 1000)
  --max-calls-per-session N  calls one connection may make or take (default 1000)
  --allow-unregistered     accept an empty password as outbound-only without REGISTER (default: refuse)
  --direct-ip-calls        send INVITEs for sip:user@<IPv4>[:port] straight there, not via the SIP server
  --register-expires SEC   REGISTER expiry asked for (default 300)
  --resume-grace SEC       a connection that drops during an answered call keeps the SIP call this long
                           for the client to come back with its resume token (default 30; 0 = off: the
                           call ends with the connection); then BYE
  --user-agent NAME        the gateway's name in User-Agent / Server of its SIP messages
                           (default kazoo-rtmp-gateway/<version>)
  --cors-origin ORIGIN     allow this origin on RTMPT (repeatable; default any origin)
  --log-level LEVEL        silent | error | warn | info | debug (default info); passwords are never logged
  --drain-timeout SEC      SIGTERM drains: no new connections (GET /health on the HTTP port answers 503),
                           calls kept until they end or for SEC seconds (then BYE), then exit 0 (default 3600);
                           SIGINT, or a second SIGTERM, stops at once
  --drain-idle-delay SEC   while draining, connections without a call are closed (and un-REGISTERed) after
                           SEC seconds, so that their clients re-register through the load balancer on
                           another instance once its health check marked this one down (default 5; 0 = at once)
  --upstream rtmp://HOST[:PORT]
                           tunnel-only mode, in front of an existing siprtmp gateway (rtmplite's siprtmp.py):
                           serves the WebSocket tunnel and RTMPT (--http, --ws-path, --max-sessions,
                           --cors-origin as above) and relays each tunnel session's RTMP bytes, unread, over
                           its own TCP connection to that gateway (both closed together; a session whose
                           other side stops reading for 1 MiB is closed). No SIP side: the SIP, RTMP-over-TCP
                           and call flags are refused with it. Logs connects and closes, never the bytes.
  --workers N|auto         N gateway processes sharing the RTMP port (node:cluster; auto = one per core;
                           default 1). Each connection, its registration and its calls stay in one worker;
                           each worker binds its own SIP and RTP UDP ports; every worker serves --http (an
                           RTMPT request reaching another worker is forwarded to the one holding its session,
                           over a Unix socket in the temp directory). SIGTERM and SIGINT go to every
                           worker (each drains or stops); a worker that dies while serving is re-forked
  --help                   this text

Clients connect to rtmp://HOST/sip/<user>@<realm> with (authName, password, displayName, rate);
the connect is accepted only after the SIP REGISTER with those credentials succeeded.

Transfers by the far end (incoming REFER): the gateway follows them (202, NOTIFY sipfrag progress, an
INVITE to the Refer-To target with Referred-By, BYE of the old call once the target answered) and tells
the client with three callbacks siprtmp did not have (older clients ignore unknown callbacks: for them
the call simply continues, with the new party):
  referred(target, referredBy)   the REFER was accepted; the client stays on the old call meanwhile
  transferred(target, codec)     the target answered; the client's audio now goes to it
  referFailed(status)            the target did not answer ("486 Busy Here"); the old call goes on,
                                 or byed follows when the transferor had already hung up
`;

export type CliParse =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly options: RtmpGatewayOptions; readonly workers?: WorkerCount }
  | { readonly kind: 'front'; readonly options: TunnelFrontOptions }
  | { readonly kind: 'error'; readonly message: string };

/** what tunnel-only mode reads; every other flag belongs to the SIP side it does not have */
const FRONT_FLAGS = new Set(['--upstream', '--http', '--ws-path', '--max-sessions', '--cors-origin', '--log-level']);

export function parseCliArgs(argv: readonly string[]): CliParse {
  const options: { -readonly [K in keyof RtmpGatewayOptions]: RtmpGatewayOptions[K] } = { logLevel: 'info' };
  const origins: string[] = [];
  const seen: string[] = [];
  let upstream: TunnelFrontOptions['upstream'] | null = null;
  let workers: WorkerCount | undefined;
  try {
    for (let i = 0; i < argv.length; i++) {
      const flag = argv[i];
      seen.push(flag);
      const value = (): string => {
        const v = argv[++i];
        if (v === undefined) throw new Error(`${flag} needs a value`);
        return v;
      };
      const seconds = (): number => {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number of seconds ≥ 0`);
        return n * 1000;
      };
      const count = (): number => {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer`);
        return n;
      };
      switch (flag) {
        case '--help':
        case '-h':
          return { kind: 'help' };
        case '--rtmp': {
          const v = value();
          options.rtmp = v === 'off' ? null : parseHostPort(v, 1935);
          break;
        }
        case '--http': {
          const v = value();
          options.http = v === 'off' ? null : parseHostPort(v, 1936);
          break;
        }
        case '--ws-path':
          options.wsPath = value();
          if (!options.wsPath.startsWith('/')) throw new Error('--ws-path must start with /');
          break;
        case '--sip-server':
          options.sipServer = parseHostPort(value(), 5060);
          break;
        case '--sip-address':
          options.sipAddress = value();
          break;
        case '--media-profile': {
          const v = value();
          if (v !== 'rtp' && v !== 'webrtc' && v !== 'auto') throw new Error(`--media-profile must be rtp, webrtc or auto, got ${v}`);
          options.mediaProfile = v;
          break;
        }
        case '--max-sessions':
          options.maxSessions = count();
          break;
        case '--max-calls-per-session':
          options.maxCallsPerSession = count();
          break;
        case '--allow-unregistered':
          options.allowUnregistered = true;
          break;
        case '--direct-ip-calls':
          options.directIpCalls = true;
          break;
        case '--register-expires':
          options.registerExpiresSec = count();
          break;
        case '--resume-grace':
          options.resumeGraceMs = seconds();
          break;
        case '--user-agent':
          options.userAgent = sipMessageBuilder(value()).agent; // a RangeError here is a CLI error
          break;
        case '--cors-origin':
          origins.push(value());
          break;
        case '--upstream': {
          const v = value();
          let url;
          try {
            url = parseRtmpUrl(v);
          } catch {
            throw new Error(`--upstream needs rtmp://host[:port], got ${v}`);
          }
          if (url.protocol !== 'rtmp') throw new Error(`--upstream needs rtmp://host[:port] (RTMP over TCP), got ${url.protocol}://`);
          upstream = { host: url.host, port: url.port };
          break;
        }
        case '--drain-timeout':
          options.drainTimeoutMs = seconds();
          break;
        case '--drain-idle-delay':
          options.drainIdleDelayMs = seconds();
          break;
        case '--workers': {
          const v = value();
          if (v === 'auto') workers = 'auto';
          else {
            const n = Number(v);
            if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--workers needs auto or a whole number from 1 to 64, got ${v}`);
            workers = n;
          }
          break;
        }
        case '--log-level': {
          const v = value();
          if (!isLogLevel(v)) throw new Error(`unknown log level ${v}`);
          options.logLevel = v;
          break;
        }
        default:
          throw new Error(`unknown flag ${flag}`);
      }
    }
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (origins.length) options.corsOrigins = origins;
  if (upstream) return frontOptions(upstream, options, seen);
  return workers === undefined ? { kind: 'run', options } : { kind: 'run', options, workers };
}

function frontOptions(upstream: TunnelFrontOptions['upstream'], o: RtmpGatewayOptions, seen: readonly string[]): CliParse {
  const foreign = seen.find((flag) => flag.startsWith('--') && !FRONT_FLAGS.has(flag));
  if (foreign) return { kind: 'error', message: `${foreign} has no meaning with --upstream (tunnel-only mode has no SIP side)` };
  if (o.http === null) return { kind: 'error', message: '--upstream serves only the tunnels: --http cannot be off' };
  const options: TunnelFrontOptions = {
    upstream,
    ...(o.http ? { http: o.http } : {}),
    ...(o.wsPath ? { wsPath: o.wsPath } : {}),
    ...(o.maxSessions ? { maxSessions: o.maxSessions } : {}),
    ...(o.corsOrigins ? { corsOrigins: o.corsOrigins } : {}),
    logLevel: o.logLevel,
  };
  return { kind: 'front', options };
}
