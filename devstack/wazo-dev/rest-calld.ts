// wazo-calld subset (`/api/calld/1.0`): the user's calls, mute and hold state with their bus events,
// and what needs the engine to act in the call as Asterisk would: originate (ring the user's own
// line, then the destination), hangup, DTMF (SIP INFO to the other party), transfers (blind and
// attended, complete, cancel: transfers.ts moves the phones' media by re-INVITEs). Errors carry
// calld's error_id values.

import type { CalldActions } from './call-control';
import type { CallLeg, CallRegistry, WazoCall } from './calls';
import { apiError, type RestReply, type RestRequest, type Service } from './http';
import type { TransferRefusal, Transfers } from './transfers';

const REFUSALS: Record<TransferRefusal, [number, string, string]> = {
  'no-such-call': [400, 'Transfer creation error: initiator channel not found', 'transfer-creation-error'],
  'not-up': [400, 'Transfer creation error: transferred channel not found (the call is not up)', 'transfer-creation-error'],
  'not-yours': [403, 'User does not have permission to use this call', 'user-permission-denied'],
  'invalid-extension': [400, 'Invalid extension', 'invalid-extension'],
  'in-progress': [409, 'A transfer is already in progress for this call', 'transfer-already-started'],
};

/** `/users/me/transfers…`; `transfers` is bound late (it needs the SIP server, which needs this service). */
function transferRoutes(transfers: () => Transfers): Service['routes'] {
  const settle = (req: RestRequest, act: 'complete' | 'cancel'): RestReply => {
    const id = req.params.transfer_id;
    const result = transfers()[act](req.session!.user, id);
    if (result === 'not-found') return apiError(404, 'No such transfer', 'no-such-transfer', { transfer_id: id });
    if (result === 'forbidden') return apiError(403, 'User does not have permission to use this transfer', 'user-permission-denied', { transfer_id: id });
    return { status: 204 };
  };
  const create = (req: RestRequest): RestReply => {
    const body = (req.body ?? {}) as { initiator_call?: unknown; exten?: unknown; flow?: unknown; timeout?: unknown };
    const invalid = (field: string, why: string): RestReply => apiError(400, `Invalid request: "${field}" ${why}`, 'invalid-data', { [field]: (body as Record<string, unknown>)[field] ?? null });
    if (typeof body !== 'object' || Array.isArray(body)) return apiError(400, 'Invalid request: a JSON object is expected', 'invalid-data', {});
    if (typeof body.initiator_call !== 'string' || !body.initiator_call) return invalid('initiator_call', '(a call id) is required');
    if (typeof body.exten !== 'string' || !body.exten.trim()) return invalid('exten', '(an extension) is required');
    const flow = body.flow ?? 'attended';
    if (flow !== 'attended' && flow !== 'blind') return invalid('flow', 'must be "attended" or "blind"');
    const timeout = body.timeout ?? undefined;
    if (timeout !== undefined && !(Number.isInteger(timeout) && (timeout as number) > 0 && (timeout as number) <= 3600)) return invalid('timeout', 'must be a whole number of seconds in 1..3600, or null');
    const result = transfers().start(req.session!.user, body.initiator_call, body.exten.trim(), flow, timeout as number | undefined);
    if (typeof result === 'string') {
      const [status, message, errorId] = REFUSALS[result];
      return apiError(status, message, errorId, { initiator_call: body.initiator_call, exten: body.exten });
    }
    return { status: 201, body: result };
  };
  return [
    { method: 'GET', template: '/users/me/transfers', handle: (req) => ({ status: 200, body: { items: transfers().list(req.session!.user) } }) },
    { method: 'POST', template: '/users/me/transfers', handle: create },
    { method: 'PUT', template: '/users/me/transfers/{transfer_id}/complete', handle: (req) => settle(req, 'complete') },
    { method: 'DELETE', template: '/users/me/transfers/{transfer_id}', handle: (req) => settle(req, 'cancel') },
  ];
}

export function calldService(calls: CallRegistry, actions: CalldActions, transfers: () => Transfers): Service {
  /** The caller's own leg named in the path, and its call; 404 as calld for an unknown or foreign call. */
  const ownLeg = (req: RestRequest, apply: (leg: CallLeg, call: WazoCall) => RestReply | void): RestReply => {
    const user = req.session!.user.uuid;
    const leg = calls.leg(user, req.params.call_id);
    const call = leg && calls.callOfLeg(user, leg.call_id);
    if (!leg || !call) return apiError(404, 'No such call', 'no-such-call', { call_id: req.params.call_id });
    return apply(leg, call) ?? { status: 204 };
  };
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
      ...transferRoutes(transfers),
    ],
  };
}

const DTMF = /^[0-9A-Da-d*#]{1,64}$/;
