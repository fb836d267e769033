// One HTTP exchange with a deadline. The body is read inside the deadline (a server that sends headers
// and then stalls is a timeout too), and the timer is always cleared: an unfinished timer would keep a
// Node process alive long after the request (the original SDK leaves a 300 s one behind).

import { NetworkError, TimeoutError } from './errors';
import type { FetchInit, FetchLike } from './types';

export interface BufferedResponse {
  response: Response;
  isJson: boolean;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export async function send(fetchImpl: FetchLike, url: string, init: FetchInit, timeoutMs: number): Promise<BufferedResponse> {
  const controller = new AbortController();
  const external = init.signal;
  const onExternalAbort = () => controller.abort();
  if (external) {
    if (external.aborted) controller.abort();
    else external.addEventListener('abort', onExternalAbort, { once: true });
  }
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) return;
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new TimeoutError(url, timeoutMs));
    }, timeoutMs);
  });
  // The deadline may reject after the exchange settled another way; it must not be reported unhandled.
  deadline.catch(() => undefined);

  try {
    const exchange = (async () => {
      const raw = await fetchImpl(url, { ...init, signal: controller.signal });
      const bytes = NULL_BODY_STATUSES.has(raw.status) || init.method === 'HEAD' ? null : await raw.arrayBuffer();
      const contentType = raw.headers.get('content-type') ?? '';
      // Re-wrap so a parser gets a normal Response whose body is already in memory.
      const response = new Response(bytes && bytes.byteLength > 0 ? bytes : null, {
        status: raw.status,
        statusText: raw.statusText,
        headers: raw.headers,
      });
      return { response, isJson: /\bjson\b/i.test(contentType) };
    })();
    return await Promise.race([exchange, deadline]);
  } catch (error) {
    if (timedOut) throw new TimeoutError(url, timeoutMs);
    if (error instanceof TimeoutError) throw error;
    throw new NetworkError(url, error);
  } finally {
    if (timer !== null) clearTimeout(timer);
    external?.removeEventListener('abort', onExternalAbort);
  }
}
