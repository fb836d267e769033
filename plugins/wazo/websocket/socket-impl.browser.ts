// Browser build of socket-impl.ts: the platform WebSocket only, so no reference to `ws` is bundled.
export type { WebSocketLike, WebSocketConstructor } from './socket-impl';
import type { WebSocketConstructor } from './socket-impl';

export async function loadWebSocket(): Promise<WebSocketConstructor> {
  const platform = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof platform !== 'function') throw new Error('No WebSocket implementation in this environment');
  return platform as WebSocketConstructor;
}
