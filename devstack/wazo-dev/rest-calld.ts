// wazo-calld subset (`/api/calld/1.0`): the user's calls, mute and hold state with their bus events,
// and what needs the engine to act in the call as Asterisk would: originate (ring the user's own
// line, then the destination), hangup, DTMF (SIP INFO to the other party). Transfers through calld
// answer 503: the phone's SIP REFER (blind, or attended with Replaces) works instead.

import type { CalldActions } from './call-control';
import type { CallLeg, CallRegistry, WazoCall } from './calls';
import { apiError, type RestReply, type RestRequest, type Route, type Service } from './http';

const NO_TRANSFERS = 'The kazoo-wazo-dev engine does not transfer through calld: use the phone (SIP REFER) for this';

export function calldService(calls: CallRegistry, actions: CalldActions): Service {
  /** The caller's own leg named in the path, and its call; 404 as calld for an unknown or foreign call. */
  const ownLeg = (req: RestRequest, apply: (leg: CallLeg, call: WazoCall) => RestReply | void): RestReply => {
    const user = req.session!.user.uuid;
    const leg = calls.leg(user, req.params.call_id);
    const call = leg && calls.callOfLeg(user, leg.call_id);
    if (!leg || !call) return apiError(404, 'No such call', 'no-such-call', { call_id: req.params.call_id });
    return apply(leg, call) ?? { status: 204 };
  };
  const unavailable = (method: string, template: string): Route => ({
    method, template, handle: () => apiError(503, NO_TRANSFERS, 'not-supported-by-dev-engine', { service: 'asterisk' }),
  });
  const originate = (req: RestRequest): RestReply => {
    const body = req.body as { extension?: unknown; from_mobile?: unknown; auto_answer_caller?: unknown } | undefined;
    if (!body || typeof body !== 'object' || typeof body.extension !== 'string' || !body.extension.trim()) {
      return apiError(400, 'Invalid request: "extension" (a string) is required', 'invalid-data', { extension: body?.extension ?? null });
    }
    if (body.from_mobile === true) return apiError(400, 'The demo users have no mobile phone number', 'no-mobile', {});
    const result = actions.originate(req.session!.user, body.extension.trim(), body.auto_answer_caller === true);
    if (result === 'invalid-extension') return apiError(400, `Invalid extension: ${body.extension}`, 'invalid-extension', { exten: body.extension });
    if (result === 'no-device') return apiError(400, 'The user has no registered device on its line', 'user-missing-main-line', {});
    return { status: 201, body: result };
  };
  return {
    prefix: 'calld/1.0',
    routes: [
      { method: 'GET', template: '/users/me/calls', handle: (req) => ({ status: 200, body: { items: calls.legsOf(req.session!.user.uuid) } }) },
      { method: 'POST', template: '/users/me/calls', handle: originate },
      { method: 'PUT', template: '/users/me/calls/{call_id}/mute/start', handle: (req) => ownLeg(req, (leg) => calls.setMuted(leg, true)) },
      { method: 'PUT', template: '/users/me/calls/{call_id}/mute/stop', handle: (req) => ownLeg(req, (leg) => calls.setMuted(leg, false)) },
      { method: 'PUT', template: '/users/me/calls/{call_id}/hold/start', handle: (req) => ownLeg(req, (leg) => calls.setHold(leg, true)) },
      { method: 'PUT', template: '/users/me/calls/{call_id}/hold/stop', handle: (req) => ownLeg(req, (leg) => calls.setHold(leg, false)) },
      {
        method: 'PUT', template: '/users/me/calls/{call_id}/dtmf', handle: (req) => ownLeg(req, (leg, call) => {
          const digits = req.query.get('digits') ?? '';
          if (!DTMF.test(digits)) return apiError(400, 'Invalid request: "digits" must be 1 to 64 of 0-9 A-D * #', 'invalid-data', { digits });
          if (!actions.dtmf(call, leg, digits)) return apiError(503, 'The call is not up yet', 'call-not-up', { call_id: leg.call_id });
        }),
      },
      {
        method: 'DELETE', template: '/users/me/calls/{call_id}', handle: (req) => ownLeg(req, (leg, call) => {
          if (!actions.hangup(call)) return apiError(503, 'The engine cannot hang up a call still ringing through it: the caller can cancel it', 'call-not-up', { call_id: leg.call_id });
        }),
      },
      unavailable('POST', '/users/me/transfers'),
      unavailable('PUT', '/users/me/transfers/{transfer_id}/complete'),
      unavailable('DELETE', '/users/me/transfers/{transfer_id}'),
    ],
  };
}

const DTMF = /^[0-9A-Da-d*#]{1,64}$/;
