/**
 * Fetches a classic script once and hands over what it published on `globalThis[globalName]`.
 * Used by dist/kazoo.js for the RTMP transport's code (dist/kazoo-rtmp-transport.js): a WebRTC page
 * never downloads it, a forceRTMP page downloads it at init(), as the 2014 library fetched its Flash movie.
 */
const LOAD_TIMEOUT_MS = 30_000;

type Published = Record<string, unknown>;

/** The directory of the script being evaluated now (call at a bundle's top level), or the page's URL. */
export function currentScriptBase(): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const src = (document.currentScript as HTMLScriptElement | null)?.src;
  return src || document.baseURI || undefined;
}

/**
 * `lent`: what the script finds on `globalThis[globalName]` while it runs (modules this bundle already
 * has, so the fetched one need not carry its own copy); the script replaces it with what it publishes.
 */
export function loadScriptGlobal<T>(url: string, globalName: string, lent?: object, timeoutMs = LOAD_TIMEOUT_MS): Promise<T> {
  const g = globalThis as unknown as Published;
  const published = () => (g[globalName] && g[globalName] !== lent ? (g[globalName] as T) : undefined);
  const already = published();
  if (already) return Promise.resolve(already);
  if (typeof document === 'undefined') return Promise.reject(new Error(`cannot fetch ${url} without a document`));
  if (lent) g[globalName] = lent;
  return new Promise<T>((resolve, reject) => {
    const script = document.createElement('script');
    const done = (error?: Error) => {
      clearTimeout(timer);
      script.onload = script.onerror = null;
      const result = published();
      if (!result && lent && g[globalName] === lent) delete g[globalName]; // nothing of ours left behind
      if (error) reject(error);
      else if (result) resolve(result);
      else reject(new Error(`${url} loaded but did not define ${globalName}`));
    };
    const timer = setTimeout(() => done(new Error(`${url} did not load within ${timeoutMs / 1000} s`)), timeoutMs);
    script.onload = () => done();
    script.onerror = () => done(new Error(`${url} could not be fetched`));
    script.async = true;
    script.src = url;
    (document.head ?? document.documentElement).appendChild(script);
  });
}
