// wazo-confd subset (`/api/confd/1.1`): the user with its line, forwards and services, the server
// infos, and the line's SIP endpoint. As on Wazo, the WebRTC settings (webrtc=yes, codecs, stream
// limits) come from the tenant's `webrtc` template and are visible only in the merged view (§8.1).

import { CONTEXT, STACK_UUID, TENANT_UUID, stableUuid, type WazoDirectory, type WazoUser } from './directory';
import { apiError, type RestReply, type Service } from './http';

export const WAZO_VERSION = '25.17';

/** The tenant's `webrtc` endpoint template (wazo-confd's defaults for WebRTC lines). */
export const WEBRTC_TEMPLATE_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['webrtc', 'yes'],
  ['allow', '!all,opus,g722,alaw,ulaw,vp9,vp8,h264'],
  ['max_audio_streams', '1'],
  ['max_video_streams', '25'],
  ['dtls_auto_generate_cert', 'yes'],
  ['timers', 'always'],
  ['timers_sess_expires', '300'],
  ['timers_min_se', '90'],
];

/** Wazo's AOR settings: what the registrar applies (min 60 / max 3600 / default 120 s, 10 contacts). */
export const AOR_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['max_contacts', '10'],
  ['remove_existing', 'no'],
  ['minimum_expiration', '60'],
  ['maximum_expiration', '3600'],
  ['default_expiration', '120'],
  ['qualify_frequency', '60'],
];

// confd sends `destination: null` for an unset forward, which its own spec (a string) does not allow: omitted.
const disabled = { enabled: false };

function userBody(directory: WazoDirectory, u: WazoUser): Record<string, unknown> {
  return {
    id: u.id,
    uuid: u.uuid,
    tenant_uuid: TENANT_UUID,
    firstname: u.firstname,
    lastname: u.lastname,
    email: u.email,
    username: u.username,
    caller_id: `"${directory.displayName(u)}" <${u.extension}>`,
    ring_seconds: 30,
    subscription_type: 2,
    enabled: true,
    lines: [{
      id: u.line.id,
      name: u.line.name,
      extensions: [{ id: u.line.id, exten: u.extension, context: CONTEXT }],
      endpoint_sip: { id: u.line.endpointId, uuid: u.line.endpointUuid, label: u.line.name, name: u.line.name, auth_section_options: [['username', u.username]] },
      endpoint_sccp: null,
      endpoint_custom: null,
    }],
    forwards: { busy: disabled, noanswer: disabled, unconditional: disabled },
    services: { dnd: { enabled: false }, incallfilter: { enabled: false } },
    switchboards: [],
    groups: [],
    incalls: [],
    queues: [],
    call_pickup_target_users: [],
    voicemail: null,
    agent: null,
  };
}

function endpointBody(directory: WazoDirectory, u: WazoUser, merged: boolean): Record<string, unknown> {
  const own: Array<readonly [string, string]> = [['callerid', `"${directory.displayName(u)}" <${u.extension}>`], ['set_var', `WAZO_LINE_ID=${u.line.id}`]];
  return {
    id: u.line.endpointId,
    uuid: u.line.endpointUuid,
    tenant_uuid: TENANT_UUID,
    name: u.line.name,
    label: u.line.name,
    aor_section_options: merged ? [...AOR_OPTIONS] : [],
    auth_section_options: [['username', u.username], ['password', directory.sipPassword(u)]],
    endpoint_section_options: merged ? [...WEBRTC_TEMPLATE_OPTIONS, ...own] : own,
    identify_section_options: [],
    registration_section_options: [],
    registration_outbound_auth_section_options: [],
    outbound_auth_section_options: [],
    transport: { uuid: stableUuid('transport', 'wss'), name: 'transport-wss' },
    templates: [{ uuid: stableUuid('template', 'webrtc'), label: 'webrtc' }],
    asterisk_id: STACK_UUID,
    line: { id: u.line.id },
  };
}

export function confdService(directory: WazoDirectory): Service {
  const notFound = (what: string): RestReply => apiError(404, `Resource Not Found - ${what}`, 'not-found', { resource: what });
  return {
    prefix: 'confd/1.1',
    routes: [
      { method: 'GET', template: '/infos', handle: () => ({ status: 200, body: { uuid: STACK_UUID, wazo_version: WAZO_VERSION } }) },
      {
        method: 'GET', template: '/users/{user_uuid}/lines/{line_id}/associated/endpoints/sip',
        handle: (req) => {
          const u = directory.byUuidOrId(req.params.user_uuid);
          if (!u) return notFound('User');
          if (String(u.line.id) !== req.params.line_id) return notFound('Line');
          const view = req.query.get('view');
          if (view !== null && view !== 'merged') return apiError(400, `Invalid view ${JSON.stringify(view)}`, 'invalid-data');
          return { status: 200, body: endpointBody(directory, u, view === 'merged') };
        },
      },
      {
        method: 'GET', template: '/users/{user_id}',
        handle: (req) => {
          const u = directory.byUuidOrId(req.params.user_id);
          return u ? { status: 200, body: userBody(directory, u) } : notFound('User');
        },
      },
    ],
  };
}
