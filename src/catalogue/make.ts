import { messageOf, type ErrorKey, type NotificationKey } from './catalogue';
import type { KazooError, KazooEvent, KazooSource } from './events';

export function makeError(key: ErrorKey, extra?: Omit<KazooError, 'key' | 'message'>): KazooError {
  return { key, message: messageOf(key), ...extra };
}

export function makeNotification<K extends NotificationKey, X extends object>(
  key: K, extra: X & { source?: KazooSource }, variant?: string,
): KazooEvent<K> & X {
  return { key, message: messageOf(key, variant), ...extra };
}
