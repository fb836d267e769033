/**
 * The playback jitter buffer: a ring of samples at the output rate. TCP loses nothing but bursts after
 * stalls (RTMPT polls, retransmits, a busy main thread), so: wait for `prefillFrames` before playing,
 * drop the oldest audio beyond `maxFrames` (latency must not grow), and on underrun repeat the last
 * `out.length` samples played under a linear fade to silence over one frame (a smooth envelope: halving
 * per repeat made audible 6 dB steps every render quantum), then prefill again.
 *
 * It runs inside the playback AudioWorklet as text (`worklet-source.ts` embeds `String(jitterBuffer)`):
 * it must reference nothing but its arguments and JavaScript globals. Needs prefillFrames < maxFrames.
 */
export interface JitterBuffer {
  /** copies the samples in (the caller may reuse the array) */
  push(samples: Float32Array): void;
  /** fills `out` completely: audio, concealment or silence */
  pull(out: Float32Array): void;
  /** counters for diagnostics and tests: [samples buffered, samples dropped, underruns] */
  stats(): [number, number, number];
}

export function jitterBuffer(frameSamples: number, prefillFrames = 2, maxFrames = 8): JitterBuffer {
  const size = maxFrames * frameSamples;
  const ring = new Float32Array(size);
  let read = 0;
  let queued = 0;
  let playing = false;
  let concealed = 0;
  let dropped = 0;
  let underruns = 0;
  return {
    push(samples) {
      for (let i = 0; i < samples.length; i++) {
        ring[(read + queued) % size] = samples[i];
        if (queued < size) queued++;
        else (read = (read + 1) % size), dropped++;
      }
    },
    pull(out) {
      const n = out.length;
      if (!playing && queued >= prefillFrames * frameSamples) (playing = true), (concealed = 0);
      for (let i = 0; i < n; i++) {
        if (playing && queued) {
          out[i] = ring[read];
          read = (read + 1) % size;
          queued--;
        } else {
          if (playing) (playing = false), underruns++;
          // the ring still holds what was played last: nothing is queued over it while concealing
          out[i] = concealed < frameSamples ? ring[(read - n + (concealed % n) + size) % size] * (1 - concealed++ / frameSamples) : 0;
        }
      }
    },
    stats: () => [queued, dropped, underruns],
  };
}
