/**
 * The playback jitter buffer, in samples at the output rate. TCP loses nothing but bursts after stalls
 * (RTMPT polls, retransmits, a busy main thread), so: wait for `prefillFrames` before playing, drop the
 * oldest audio beyond `maxFrames` (latency must not grow), and on underrun fade the last quantum out
 * over one frame instead of clicking to silence, then prefill again.
 *
 * The class runs inside the playback AudioWorklet, embedded there as source text
 * (`String(JitterBuffer)`): it must reference nothing outside itself but JavaScript globals.
 */
export class JitterBuffer {
  private chunks: Float32Array[] = [];
  /** read position in chunks[0] */
  private offset = 0;
  private queued = 0;
  private playing = false;
  private last: Float32Array = new Float32Array(0);
  private concealed = 0;
  /** counters for diagnostics and tests */
  dropped = 0;
  underruns = 0;

  constructor(
    private readonly frameSamples: number,
    private readonly prefillFrames: number = 2,
    private readonly maxFrames: number = 8,
  ) {}

  get bufferedSamples(): number {
    return this.queued;
  }

  push(chunk: Float32Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
    const limit = this.maxFrames * this.frameSamples;
    while (this.queued > limit && this.chunks.length > 1) {
      const oldest = this.chunks.shift() as Float32Array;
      const left = oldest.length - this.offset;
      this.queued -= left;
      this.dropped += left;
      this.offset = 0;
    }
  }

  /** fills `out` completely: audio, concealment or silence */
  pull(out: Float32Array): void {
    if (!this.playing && this.queued >= this.prefillFrames * this.frameSamples) {
      this.playing = true;
      this.concealed = 0;
    }
    let written = 0;
    if (this.playing) {
      while (written < out.length && this.chunks.length > 0) {
        const head = this.chunks[0];
        const n = Math.min(out.length - written, head.length - this.offset);
        out.set(head.subarray(this.offset, this.offset + n), written);
        written += n;
        this.offset += n;
        this.queued -= n;
        if (this.offset === head.length) {
          this.chunks.shift();
          this.offset = 0;
        }
      }
      if (written === out.length) {
        if (this.last.length !== out.length) this.last = new Float32Array(out.length);
        this.last.set(out);
        return;
      }
      this.playing = false;
      this.underruns++;
    }
    this.conceal(out, written);
  }

  /** repeats the last full quantum, halving its level each time, for at most one frame */
  private conceal(out: Float32Array, from: number): void {
    const n = this.last.length;
    for (let i = from; i < out.length; i++) {
      if (n === 0 || this.concealed >= this.frameSamples) {
        out[i] = 0;
        continue;
      }
      const gain = Math.pow(0.5, 1 + Math.floor(this.concealed / n));
      out[i] = this.last[this.concealed % n] * gain;
      this.concealed++;
    }
  }
}
