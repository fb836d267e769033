/** Out-of-dialog NOTIFY → the client's `notified(type, body)` (e.g. Kazoo's `Replaced-By`); it never touches the call (the fork's defect). */
import type { SipRequest } from '../../protocol/sip/message';
import type { GatewaySession } from './session';

export function relayNotify(session: GatewaySession, request: SipRequest): void {
  const ua = session.ua!;
  if (request.body.length === 0) {
    ua.reply(request, 405);
    return;
  }
  ua.reply(request, 200);
  const type = (request.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase();
  session.rtmp.invoke('notified', type, request.body.toString('utf8'));
}
