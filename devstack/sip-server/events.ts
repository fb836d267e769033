// Typed events a host (npm start, tests, the demo) can follow without parsing logs.

import { EventEmitter } from 'node:events';
import type { MwiOrder } from './kazoo/bodies';

export interface ServerEventMap {
  /** A binding was added or refreshed. */
  registered: { user: string; contact: string; transport: 'ws' | 'udp'; expires: number };
  /** A binding went away (un-REGISTER, closed WebSocket, kick, overwrite, expiry sweep not included). */
  unregistered: { user: string; contact: string; reason: 'unregister' | 'closed' | 'kick' | 'overwrite' };
  /** Kazoo registration overwrite of a single-device user. */
  overwrite: { user: string; oldContact: string; newContact: string };
  /** MWI state changed and NOTIFYs were sent. */
  mwi: { user: string; newCount: number; oldCount: number; order: MwiOrder; notified: number };
}

export type ServerEventName = keyof ServerEventMap;

export class ServerEvents {
  private readonly emitter = new EventEmitter();

  on<K extends ServerEventName>(name: K, listener: (event: ServerEventMap[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  emit<K extends ServerEventName>(name: K, event: ServerEventMap[K]): void {
    this.emitter.emit(name, event);
  }

  removeAll(): void {
    this.emitter.removeAllListeners();
  }
}
