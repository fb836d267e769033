import { messageOf, type ErrorKey, type NotificationKey } from './catalogue';
import type { KazooError, KazooEvent, KazooSource } from './events';

export function makeError(key: ErrorKey, extra: Omit<KazooError, 'key' | 'message'>): KazooError {
  return { key, message: messageOf(key), ...extra };
}

export function makeNotification<K extends NotificationKey, const X extends { source: KazooSource }>(
  key: K, extra: X, variant?: string,
): KazooEvent<K> & X {
  return { key, message: messageOf(key, variant), ...extra };
}
