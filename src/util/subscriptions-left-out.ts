/**
 * A stand-in for JsSIP's Subscriber and Notifier (SUBSCRIBE/NOTIFY dialogs, RFC 6665) inside the legacy
 * global builds (dist/kazoo*.js), which they would cost ~2 KB gzip: kazoo never calls ua.subscribe() or
 * ua.notify(), never listens for 'newSubscribe' (so JsSIP answers an incoming SUBSCRIBE 405 before it
 * reaches Notifier), and a page has no handle on the UA. Should a call reach it anyway, a clear error.
 */
export default class SubscriptionsLeftOut {
  constructor() {
    throw new Error('SUBSCRIBE/NOTIFY (JsSIP Subscriber/Notifier) is not part of this build');
  }

  static init_incoming(request: { reply(code: number): void }): void {
    request.reply(405);
  }
}
