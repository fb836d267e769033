// Child process for gateway-bench.mjs: the far end of every bridged call on 127.0.0.1.
//  - a minimal SIP UAS over UDP: answers each INVITE with 200 OK and SDP (PCMU, telephone-event/101)
//    pointing at one shared RTP sink; ACK ignored; BYE/CANCEL/OPTIONS answered 200.
//  - the RTP sink: every PCMU payload carries [call id u32][frame seq u32][send time u64 ns, CLOCK_MONOTONIC
//    via process.hrtime.bigint(), the same clock in every process], so delay = arrival − send, one way.
//  - with --echo (capacity.mjs, round trip): every RTP packet is sent straight back to where it came from,
//    unchanged, so each call's PCMU returns through the gateway to its RTMP client; nothing is measured here
//    but the packet count and this process's CPU.
// IPC: {cmd:'reset'} starts a measuring window; {cmd:'report'} returns its statistics; {cmd:'stop'}.
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

const sip = createSocket('udp4');
// every RTP destination is the numeric source address of a packet: answered at once, where dgram's default
// lookup (dns.lookup) answers even a literal on the next tick, once per echoed packet
const rtp = createSocket({ type: 'udp4', lookup: (host, _options, callback) => callback(null, host, 4) });
await Promise.all([new Promise((r) => sip.bind(0, '127.0.0.1', r)), new Promise((r) => rtp.bind(0, '127.0.0.1', r))]);
rtp.setRecvBufferSize?.(8 * 1024 * 1024);
rtp.setSendBufferSize?.(8 * 1024 * 1024);
const ECHO = process.argv.includes('--echo');
const sipPort = sip.address().port;
const rtpPort = rtp.address().port;

const tags = new Map(); // Call-ID → To tag (retransmitted INVITEs get the same answer)
const COMPACT = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type' };
let invites = 0;
let byes = 0;

function sdp() {
  const id = Math.floor(Math.random() * 1e9);
  return ['v=0', `o=- ${id} 1 IN IP4 127.0.0.1`, 's=far-end', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${rtpPort} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

sip.on('message', (buf, from) => {
  const text = buf.toString('utf8');
  const head = text.split('\r\n\r\n')[0].split('\r\n');
  const m = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(head[0]);
  if (!m) return; // responses: we send no requests
  const method = m[1];
  if (method === 'ACK') return;
  const headers = [];
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const raw = line.slice(0, i).trim().toLowerCase();
    headers.push([COMPACT[raw] ?? raw, line.slice(i + 1).trim()]);
  }
  const get = (name) => headers.filter(([k]) => k === name).map(([, v]) => v);
  const callId = get('call-id')[0] ?? '';
  let to = get('to')[0] ?? '';
  if (!/;\s*tag=/i.test(to)) {
    if (!tags.has(callId)) tags.set(callId, randomBytes(4).toString('hex'));
    to += `;tag=${tags.get(callId)}`;
  }
  let body = '';
  if (method === 'INVITE') {
    invites++;
    body = sdp();
  } else if (method === 'BYE') {
    byes++;
    tags.delete(callId);
  }
  const lines = ['SIP/2.0 200 OK', ...get('via').map((v) => `Via: ${v}`), `From: ${get('from')[0]}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${get('cseq')[0]}`, `Contact: <sip:far@127.0.0.1:${sipPort}>`];
  if (body) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  sip.send(lines.join('\r\n'), from.port, from.address);
});

// Delays of the current window (µs), plus per-call sequence tracking for loss/reorder counts.
let delays = new Float64Array(1 << 16);
let count = 0;
let dtmf = 0;
const lastSeq = new Map();
let lost = 0;
rtp.on('message', (buf, from) => {
  if (ECHO) {
    count++;
    rtp.send(buf, from.port, from.address);
    return;
  }
  const now = process.hrtime.bigint();
  if (buf.length < 12 + 16 || (buf[1] & 0x7f) !== 0) {
    if (buf.length >= 12 && (buf[1] & 0x7f) === 101) dtmf++;
    return;
  }
  const call = buf.readUInt32BE(12);
  const seq = buf.readUInt32BE(16);
  const sent = buf.readBigUInt64BE(20);
  const prev = lastSeq.get(call);
  if (prev !== undefined && seq > prev + 1) lost += seq - prev - 1;
  lastSeq.set(call, seq);
  if (count === delays.length) {
    const bigger = new Float64Array(delays.length * 2);
    bigger.set(delays);
    delays = bigger;
  }
  delays[count++] = Number(now - sent) / 1000;
});

let cpu = process.cpuUsage();
let wall = process.hrtime.bigint();
process.on('message', (msg) => {
  if (msg.cmd === 'reset') {
    count = 0;
    lost = 0;
    dtmf = 0;
    lastSeq.clear();
    cpu = process.cpuUsage();
    wall = process.hrtime.bigint();
    process.send({ ok: true });
  } else if (msg.cmd === 'report') {
    const sorted = delays.slice(0, count).sort();
    const at = (q) => (count ? sorted[Math.min(count - 1, Math.floor(q * count))] / 1000 : NaN);
    const used = process.cpuUsage(cpu);
    const farCpu = (used.user + used.system) / (Number(process.hrtime.bigint() - wall) / 1000);
    process.send({ farCpu, count, lost, dtmf, invites, byes, calls: lastSeq.size, median: at(0.5), p99: at(0.99), max: at(1) });
  } else if (msg.cmd === 'stop') {
    sip.close();
    rtp.close();
    process.send({ stopped: true });
    process.disconnect();
  }
});
process.on('disconnect', () => setTimeout(() => process.exit(0), 50).unref());
process.send({ sipPort, rtpPort });
