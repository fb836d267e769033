// Which WebSocket class to use. Browsers (and Node ≥ 22) have a global one; Node 20 has none, so the `ws`
// package is loaded, lazily and only then. The browser build swaps this file for socket-impl.browser.ts.

export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake. */
  terminate?: () => void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: Record<string, unknown>) => WebSocketLike;

export async function loadWebSocket(): Promise<WebSocketConstructor> {
  const platform = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof platform === 'function') return platform as WebSocketConstructor;
  // The specifier is a variable so that bundlers targeting browsers do not try to pack `ws`.
  const specifier = 'ws';
  const mod = (await import(specifier)) as { WebSocket?: unknown; default?: unknown };
  return (mod.WebSocket ?? mod.default) as WebSocketConstructor;
}
