#!/usr/bin/env node
// RTMP core throughput: G.711 μ-law encode/decode, resampling, chunk stream encode/decode.
// Usage: node bench/rtmp/codec.mjs   (compiles protocol/ with the project's TypeScript into a temp dir)
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileProtocol } from './compile.mjs';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { out, load } = compileProtocol(root, ['rtmp', 'audio']);
const { encodeG711, decodeG711, encodeG711FromFloat } = load('audio/g711.js');
const { Resampler } = load('audio/resampler.js');
const { ChunkWriter } = load('rtmp/chunk-writer.js');
const { ChunkReader } = load('rtmp/chunk-reader.js');
const { resolveLimits } = load('rtmp/limits.js');

/** Calls per second of fn: the median of 5 rounds of about `ms` each (the machine is shared). */
function rate(fn, ms = 250) {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const rounds = [];
  for (let round = 0; round < 5; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < ms) {
      fn();
      calls++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    rounds.push((calls * 1000) / elapsed);
  }
  return rounds.sort((a, b) => a - b)[2];
}
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));

const SECONDS = 10;
const pcm = Int16Array.from({ length: 8000 * SECONDS }, (_, i) => Math.round(12000 * Math.sin(i / 7) + 3000 * Math.sin(i / 3.1)));
const floats = Float32Array.from(pcm, (s) => s / 32768);
const ulaw = encodeG711('pcmu', pcm);
const bytesOut = new Uint8Array(pcm.length);
const pcmOut = new Int16Array(pcm.length);

const results = [];
const encodeRate = rate(() => encodeG711('pcmu', pcm, bytesOut)) * pcm.length;
results.push(['μ-law encode (Int16)', `${fmt(encodeRate)} samples/s`, `${fmt(encodeRate / 8000)}× realtime`]);
const floatRate = rate(() => encodeG711FromFloat('pcmu', floats, bytesOut)) * floats.length;
results.push(['μ-law encode (Float32)', `${fmt(floatRate)} samples/s`, `${fmt(floatRate / 8000)}× realtime`]);
const decodeRate = rate(() => decodeG711('pcmu', ulaw, pcmOut)) * ulaw.length;
results.push(['μ-law decode', `${fmt(decodeRate)} samples/s`, `${fmt(decodeRate / 8000)}× realtime`]);

const mic = new Float32Array(128); // one AudioWorklet render quantum at 48 kHz
for (let i = 0; i < 128; i++) mic[i] = Math.sin(i / 5);
const down = new Resampler(48000, 8000);
const downRate = rate(() => down.process(mic)) * 128;
results.push(['resample 48 kHz → 8 kHz (128-frame quanta)', `${fmt(downRate)} input samples/s`, `${fmt(downRate / 48000)}× realtime`]);
const up = new Resampler(8000, 48000);
const frame8k = new Float32Array(160);
const upRate = rate(() => up.process(frame8k)) * 160;
results.push(['resample 8 kHz → 48 kHz (20 ms frames)', `${fmt(upRate)} input samples/s`, `${fmt(upRate / 8000)}× realtime`]);

// Chunk layer: 20 ms audio messages (1 tag byte + 160 bytes) as a call sends them, and 64 KiB messages.
function chunkBench(label, payloadSize, count, chunkSize) {
  const payload = new Uint8Array(payloadSize).fill(0x82);
  const newWriter = () => {
    const writer = new ChunkWriter();
    writer.setChunkSize(chunkSize);
    return writer;
  };
  const writer = newWriter();
  let timestamp = 0;
  const encodeOnce = (w = writer) => {
    const parts = [];
    for (let i = 0; i < count; i++) parts.push(w.encode({ csid: 4, typeId: 8, streamId: 1, timestamp: (timestamp += 20), payload }));
    return parts;
  };
  const encodeRate = rate(() => encodeOnce()) * count;
  const wire = Buffer.concat(encodeOnce(newWriter())); // starts with a type-0 header
  const limits = resolveLimits({ maxMessageSize: 1 << 20, maxBufferedBytes: 1 << 22 });
  const decodeRate =
    rate(() => {
      const reader = new ChunkReader(() => undefined, limits);
      // Announce the chunk size in-band, as a peer would.
      reader.feed(new Uint8Array([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, (chunkSize >>> 24) & 0xff, (chunkSize >>> 16) & 0xff, (chunkSize >>> 8) & 0xff, chunkSize & 0xff]));
      for (let at = 0; at < wire.length; at += 1460) reader.feed(wire.subarray(at, at + 1460)); // TCP-segment-sized reads
    }) * count;
  results.push([`chunk encode, ${label}`, `${fmt(encodeRate)} msg/s`, `${fmt((encodeRate * payloadSize) / 1e6)} MB/s payload`]);
  results.push([`chunk decode, ${label}`, `${fmt(decodeRate)} msg/s`, `${fmt((decodeRate * payloadSize) / 1e6)} MB/s payload`]);
}
chunkBench('161-byte audio messages, chunk size 4096', 161, 5000, 4096);
chunkBench('64 KiB messages, chunk size 4096', 65536, 50, 4096);
chunkBench('64 KiB messages, chunk size 128', 65536, 50, 128);

rmSync(out, { recursive: true, force: true });
const width = Math.max(...results.map((r) => r[0].length));
console.log(`RTMP core benchmark (node ${process.version})`);
for (const [name, a, b] of results) console.log(`${name.padEnd(width)}  ${a.padStart(22)}  ${b}`);
