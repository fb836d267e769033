// wazo-calld subset (`/api/calld/1.0`): the user's calls as the proxy saw them, mute and hold state
// with their bus events. The engine relays signalling only (media flows between the clients), so
// what would need Asterisk to act on the media or originate a leg (click-to-call, transfers through
// calld, DTMF, hangup by REST) answers 503 with a message saying so; SIP REFER works instead.

import type { CallRegistry } from './calls';
import { apiError, type RestReply, type RestRequest, type Route, type Service } from './http';

const NEEDS_MEDIA = 'The kazoo-wazo-dev engine relays SIP only: use the phone (SIP) for this';

export function calldService(calls: CallRegistry): Service {
  const ownLeg = (req: RestRequest, apply: (leg: NonNullable<ReturnType<CallRegistry['leg']>>) => void): RestReply => {
    const leg = calls.leg(req.session!.user.uuid, req.params.call_id);
    if (!leg) return apiError(404, 'No such call', 'no-such-call', { call_id: req.params.call_id });
    apply(leg);
    return { status: 204 };
  };
  const unavailable = (method: string, template: string): Route => ({
    method, template, handle: () => apiError(503, NEEDS_MEDIA, 'not-supported-by-dev-engine', { service: 'asterisk' }),
  });
  return {
    prefix: 'calld/1.0',
    routes: [
      { method: 'GET', template: '/users/me/calls', handle: (req) => ({ status: 200, body: { items: calls.legsOf(req.session!.user.uuid) } }) },
      unavailable('POST', '/users/me/calls'),
      { method: 'PUT', template: '/users/me/calls/{call_id}/mute/start', handle: (req) => ownLeg(req, (leg) => calls.setMuted(leg, true)) },
      { method: 'PUT', template: '/users/me/calls/{call_id}/mute/stop', handle: (req) => ownLeg(req, (leg) => calls.setMuted(leg, false)) },
      { method: 'PUT', template: '/users/me/calls/{call_id}/hold/start', handle: (req) => ownLeg(req, (leg) => calls.setHold(leg, true)) },
      { method: 'PUT', template: '/users/me/calls/{call_id}/hold/stop', handle: (req) => ownLeg(req, (leg) => calls.setHold(leg, false)) },
      unavailable('PUT', '/users/me/calls/{call_id}/dtmf'),
      unavailable('DELETE', '/users/me/calls/{call_id}'),
      unavailable('POST', '/users/me/transfers'),
      unavailable('PUT', '/users/me/transfers/{transfer_id}/complete'),
      unavailable('DELETE', '/users/me/transfers/{transfer_id}'),
    ],
  };
}
