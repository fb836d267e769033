// `Wazo.Websocket`: the Simple API's single event connection, opened at login with every event
// subscribed. It re-emits whatever its WebSocketClient emits, and carries the event-name constants as
// properties (`Wazo.Websocket.CALL_CREATED`), like the SDK.

import type { Session } from '../domain/session';
import { Emitter } from '../util/emitter';
import { EVENTS, EVENT_NAMES, SOCKET_EVENTS } from '../websocket/events';
import {
  WebSocketClient,
  type WebSocketClientEvents,
  type WebSocketClientOptions,
} from '../websocket/websocket-client';

const RELAYED: readonly string[] = [...Object.values(SOCKET_EVENTS), ...EVENT_NAMES, 'pong', 'message'];

class SimpleWebsocket extends Emitter<WebSocketClientEvents> {
  ws: WebSocketClient | null = null;
  readonly eventLists = EVENT_NAMES;
  private clientOptions: WebSocketClientOptions = {};

  /** Options for the underlying client (e.g. `{ wsOptions: { ca } }` in Node, reconnection delays). */
  setClientOptions(options: WebSocketClientOptions): void {
    this.clientOptions = { ...this.clientOptions, ...options };
  }

  open(host: string, session: Session): void {
    this.ws?.close(true);
    const ws = new WebSocketClient(
      { host, token: session.token, events: ['*'], version: 2, session },
      { binaryType: 'arraybuffer', ...this.clientOptions },
    );
    for (const event of RELAYED) {
      ws.on(event, (...args: unknown[]) => {
        if (ws === this.ws) this.emit(event, ...args);
      });
    }
    this.ws = ws;
    ws.connect();
  }

  updateToken(token: string): void {
    this.ws?.updateToken(token);
  }

  isOpen(): boolean {
    return this.ws?.isConnected() ?? false;
  }

  close(force = false): void {
    this.ws?.close(force);
    this.ws = null;
  }
}

export type SimpleWebsocketInstance = SimpleWebsocket & typeof EVENTS & typeof SOCKET_EVENTS;

export function createSimpleWebsocket(): SimpleWebsocketInstance {
  return Object.assign(new SimpleWebsocket(), EVENTS, SOCKET_EVENTS);
}
