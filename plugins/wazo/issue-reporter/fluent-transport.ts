// Ships records to a fluentd `in_http` input: `POST /<tag>` with a JSON array of records (one request per
// batch). Batches leave when `bufferSize` records are waiting or `bufferTimeout` ms after the first one.
// Failures (network, 5xx, 429) are retried with capped backoff a bounded number of times; once a batch has
// been given up, later ones get a single attempt until one succeeds (fluentd is down: do not pile up
// retries). Records waiting anywhere are bounded (oldest dropped first). Timers are unref'd: logging
// never keeps Node alive, and nothing here ever throws into the app.

import { send } from '../http/transport';
import type { FetchLike } from '../http/types';

export interface FluentTransportOptions {
  url: string;
  bufferSize: number;
  bufferTimeout: number;
  maxBufferedRecords: number;
  maxRetries: number;
  retryDelay: number;
  requestTimeout: number;
  fetch?: FetchLike;
}

export type FluentRecord = Record<string, unknown>;

export class FluentTransport {
  private buffer: FluentRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Records handed to the delivery chain and not yet delivered or given up. */
  private inFlight = 0;
  private failing = false;
  dropped = 0;

  constructor(private readonly options: FluentTransportOptions) {}

  push(record: FluentRecord): void {
    this.buffer.push(record);
    if (this.buffer.length > this.options.maxBufferedRecords) {
      this.dropped += this.buffer.length - this.options.maxBufferedRecords;
      this.buffer.splice(0, this.buffer.length - this.options.maxBufferedRecords);
    }
    if (this.buffer.length >= this.options.bufferSize) void this.flush();
    else if (this.timer === null) this.timer = unref(setTimeout(() => void this.flush(), this.options.bufferTimeout));
  }

  /** Sends what is buffered; resolves when every batch handed over so far is delivered or abandoned. */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length) {
      const batch = this.buffer;
      this.buffer = [];
      if (this.inFlight + batch.length > this.options.maxBufferedRecords) {
        this.dropped += batch.length;
      } else {
        this.inFlight += batch.length;
        this.chain = this.chain.then(() => this.deliver(batch)).finally(() => {
          this.inFlight -= batch.length;
        });
      }
    }
    return this.chain;
  }

  private async deliver(batch: FluentRecord[]): Promise<void> {
    const retries = this.failing ? 0 : this.options.maxRetries;
    for (let attempt = 0; attempt <= retries; attempt += 1) {
      if (attempt > 0) await sleep(Math.min(this.options.retryDelay * 2 ** (attempt - 1), 30_000) * (0.5 + Math.random() / 2));
      try {
        const { response } = await send(
          this.options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
          this.options.url,
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify(batch),
          },
          this.options.requestTimeout,
        );
        if (response.ok) {
          this.failing = false;
          return;
        }
        // The input refused the records themselves: sending them again would not help.
        if (response.status < 500 && response.status !== 429) {
          this.dropped += batch.length;
          return;
        }
      } catch {
        // Network failure or timeout: retried below.
      }
    }
    this.failing = true;
    this.dropped += batch.length;
  }
}

function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    unref(setTimeout(resolve, ms));
  });
}
