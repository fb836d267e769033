import { CATALOGUE, isErrorKey, messageOf } from './catalogue';
import { makeError, makeNotification } from './make';

describe('catalogue', () => {
  test('every key and message of the 2014 document, exactly', () => {
    const doc: Record<string, string> = {
      server_not_reachable: 'Could not reach the server.',
      unauthorized: 'Invalid credentials.',
      disconnected: 'You have been disconnected.',
      overriding_registration: 'You have overridden an existing registration for this device.',
      replaced_registration: 'You have been disconnected: someone else has registered this device.',
      voicemail_notification: 'You have one or more voicemail message(s).',
      reconnecting_notification: 'Attempting to reconnect',
      unknown_notification: 'You have received a SIP notification.',
    };
    for (const [key, message] of Object.entries(doc)) expect(messageOf(key as keyof typeof CATALOGUE)).toBe(message);
    expect(messageOf('connectivity_notification', 'offline')).toBe('You have lost your connection to the network.');
    expect(messageOf('connectivity_notification', 'online')).toBe('You have recovered your connection to the network.');
    // the one the 2014 code added
    expect(messageOf('transfer_notification')).toBe('Transfer successful.');
  });

  test('no `forbidden`: a page written from the document knows only `unauthorized` for a wrong password', () => {
    expect(Object.keys(CATALOGUE)).not.toContain('forbidden');
  });

  test('errors go to onError, notifications to onNotified', () => {
    expect(isErrorKey('unauthorized')).toBe(true);
    expect(isErrorKey('not_registered')).toBe(true);
    expect(isErrorKey('voicemail_notification')).toBe(false);
    expect(Object.keys(CATALOGUE).filter((k) => k.endsWith('_notification')).every((k) => !isErrorKey(k as keyof typeof CATALOGUE))).toBe(true);
  });

  test('a key with several messages needs its variant', () => {
    expect(() => messageOf('connectivity_notification')).toThrow(TypeError);
  });

  test('the {key, message, source} shape', () => {
    expect(makeError('unauthorized', { code: 403, source: { protocol: 'webrtc', code: 403 } })).toEqual({
      key: 'unauthorized', message: 'Invalid credentials.', code: 403, source: { protocol: 'webrtc', code: 403 },
    });
    expect(makeNotification('reconnecting_notification', { attempt: 2, source: { protocol: 'engine', monitor: 'reconnect' } })).toEqual({
      key: 'reconnecting_notification', message: 'Attempting to reconnect', attempt: 2, source: { protocol: 'engine', monitor: 'reconnect' },
    });
  });
});
