// Every WazoApiClient method against a local HTTPS server: the request must match the service's
// OpenAPI spec (path template, method, parameters, security, body schema) and the answer, generated
// from the spec's response schema, must come back parsed.
import { WazoApiClient } from './wazo-api-client';
import { Agent, Call, CallLog, ChatMessage, ChatRoom, Contact, IndirectTransfer, Profile, Relocation, Session, SipLine, Voicemail } from '../domain/index';
import { BadResponse, RefreshTokenError } from '../http/errors';
import { fetchTrusting } from '../../../test/support/wazo/node-fetch';
import { sampleFor } from '../../../test/support/wazo/openapi';
import { testCertificate } from '../../../test/support/wazo/tls';
import { WazoMockServer, type RecordedRequest } from '../../../test/support/wazo/wazo-server';
import type { JsonObject } from '../util/json';

let server: WazoMockServer;
let client: WazoApiClient;

const APP = '6b7c1c1e-2b0e-4d9a-8c31-0f4a2d9e7b11';
const USER = '9d3f0a52-51c4-4a8e-9b6c-2c8e7f1d4a22';
const SB = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const pdf = new TextEncoder().encode('%PDF-1.4 fake');

beforeAll(async () => {
  const tls = testCertificate();
  server = await WazoMockServer.start(tls);
  client = new WazoApiClient({ server: server.host, clientId: 'my-app', fetch: fetchTrusting(tls.cert), requestTimeout: 5000 });
});

afterAll(() => server.close());

beforeEach(() => {
  client.setToken('user-token');
  client.setRefreshToken(null);
  client.setOnRefreshToken(null);
});

afterEach(() => server.reset());

const items = (service: string, method: string, path: string) => (sampleFor(service, method, path) as { items: unknown[] }).items;

interface Case {
  name: string;
  call: (c: WazoApiClient) => Promise<unknown>;
  /** Operations hit, in order: `METHOD service/template`. */
  operations: string[];
  check?: (result: unknown, requests: RecordedRequest[]) => void;
}

const cases: Case[] = [
  // auth
  {
    name: 'auth.logIn',
    call: (c) => c.auth.logIn({ username: 'alice', password: 'pässword', expiration: 600 }),
    operations: ['POST auth/token'],
    check: (session, [req]) => {
      expect(req.headers.authorization).toBe(`Basic ${Buffer.from('alice:pässword', 'utf8').toString('base64')}`);
      expect(req.headers['x-auth-token']).toBeUndefined();
      expect(req.json()).toEqual({ backend: 'wazo_user', expiration: 600, access_type: 'offline', client_id: 'my-app' });
      expect(session).toBeInstanceOf(Session);
      expect(session).toMatchObject({ token: 'token-sample', acl: ['acl0-sample', 'acl1-sample'], expiresAt: new Date('2024-05-01T10:00:00.123Z') });
    },
  },
  { name: 'auth.logOut', call: (c) => c.auth.logOut('some-token'), operations: ['DELETE auth/token/{token}'], check: (r, [req]) => (expect(r).toBe(true), expect(req.headers['x-auth-token']).toBeUndefined()) },
  { name: 'auth.checkToken', call: (c) => c.auth.checkToken('some-token'), operations: ['HEAD auth/token/{token}'], check: (r) => expect(r).toBe(true) },
  { name: 'auth.authenticate', call: (c) => c.auth.authenticate('some-token'), operations: ['GET auth/token/{token}'], check: (r) => expect(r).toBeInstanceOf(Session) },
  {
    name: 'auth.refreshToken',
    call: (c) => c.auth.refreshToken('refresh-1', null, 900, true, null, 'example.com'),
    operations: ['POST auth/token'],
    check: (r, [req]) => {
      expect(req.json()).toEqual({ backend: 'wazo_user', expiration: 900, refresh_token: 'refresh-1', client_id: 'my-app', domain_name: 'example.com' });
      expect(req.headers['wazo-session-type']).toBe('mobile');
      expect(req.headers.authorization).toBeUndefined();
      expect(r).toBeInstanceOf(Session);
    },
  },
  { name: 'auth.deleteRefreshToken', call: (c) => c.auth.deleteRefreshToken('my-app'), operations: ['DELETE auth/users/{user_uuid_or_me}/tokens/{client_id}'], check: (r) => expect(r).toBe(true) },
  { name: 'auth.listTenants', call: (c) => c.auth.listTenants(), operations: ['GET auth/tenants'], check: (r) => expect(r).toEqual(sampleFor('auth', 'GET', '/tenants')) },
  { name: 'auth.createTenant', call: (c) => c.auth.createTenant('acme'), operations: ['POST auth/tenants'], check: (r, [req]) => (expect(req.json()).toEqual({ name: 'acme' }), expect(r).toEqual(sampleFor('auth', 'POST', '/tenants'))) },
  { name: 'auth.deleteTenant', call: (c) => c.auth.deleteTenant(USER), operations: ['DELETE auth/tenants/{tenant_uuid}'], check: (r) => expect(r).toBe(true) },
  { name: 'auth.createUser', call: (c) => c.auth.createUser('bob', 'pw', 'Bob', 'Smith'), operations: ['POST auth/users'], check: (_, [req]) => expect(req.json()).toEqual({ username: 'bob', password: 'pw', firstname: 'Bob', lastname: 'Smith' }) },
  { name: 'auth.addUserEmail', call: (c) => c.auth.addUserEmail(USER, 'bob@example.com', true), operations: ['PUT auth/users/{user_uuid}/emails'], check: (_, [req]) => expect(req.json()).toEqual({ emails: [{ address: 'bob@example.com', main: true }] }) },
  { name: 'auth.addUserPolicy (204)', call: (c) => c.auth.addUserPolicy(USER, APP), operations: ['PUT auth/users/{user_uuid}/policies/{policy_uuid}'], check: (r) => expect(r).toBe(true) },
  { name: 'auth.deleteUser', call: (c) => c.auth.deleteUser(USER), operations: ['DELETE auth/users/{user_uuid}'], check: (r) => expect(r).toBe(true) },
  { name: 'auth.listUsers', call: (c) => c.auth.listUsers(), operations: ['GET auth/users'], check: (r) => expect(Array.isArray((r as JsonObject).items)).toBe(true) },
  { name: 'auth.listGroups', call: (c) => c.auth.listGroups(), operations: ['GET auth/groups'], check: (r) => expect(r).toEqual(sampleFor('auth', 'GET', '/groups')) },
  { name: 'auth.createPolicy', call: (c) => c.auth.createPolicy('p', 'desc', ['confd.#']), operations: ['POST auth/policies'], check: (_, [req]) => expect(req.json()).toEqual({ name: 'p', description: 'desc', acl: ['confd.#'] }) },
  { name: 'auth.listPolicies', call: (c) => c.auth.listPolicies(), operations: ['GET auth/policies'] },
  { name: 'auth.updatePassword', call: (c) => c.auth.updatePassword(USER, 'old', 'new'), operations: ['PUT auth/users/{user_uuid}/password'], check: (r) => expect(r).toBe(true) },

  // application
  { name: 'application.calls', call: (c) => c.application.calls(APP), operations: ['GET calld/applications/{application_uuid}/calls'], check: (r) => expect(r).toEqual(sampleFor('calld', 'GET', `/applications/${APP}/calls`)) },
  { name: 'application.hangupCall', call: (c) => c.application.hangupCall(APP, 'c1'), operations: ['DELETE calld/applications/{application_uuid}/calls/{call_id}'], check: (r) => expect(r).toBe(true) },
  { name: 'application.answerCall', call: (c) => c.application.answerCall(APP, 'c1'), operations: ['PUT calld/applications/{application_uuid}/calls/{call_id}/answer'], check: (r, [req]) => (expect(r).toBe(true), expect(req.body.length).toBe(0)) },
  {
    name: 'application.bridgeCall',
    call: (c) => c.application.bridgeCall(APP, 'c1', 'default', '1001', true, '5551234'),
    operations: ['POST calld/applications/{application_uuid}/nodes', 'POST calld/applications/{application_uuid}/nodes/{node_uuid}/calls'],
    check: (r, [node, dial]) => {
      expect(node.json()).toEqual({ calls: [{ id: 'c1' }] });
      expect(dial.json()).toEqual({ context: 'default', exten: '1001', autoanswer: true, displayed_caller_id_number: '5551234' });
      expect((r as { nodeUuid: string }).nodeUuid).toBe((sampleFor('calld', 'POST', `/applications/${APP}/nodes`) as JsonObject).uuid);
    },
  },
  { name: 'application.listNodes', call: (c) => c.application.listNodes(APP), operations: ['GET calld/applications/{application_uuid}/nodes'] },
  { name: 'application.listCallsNodes', call: (c) => c.application.listCallsNodes(APP, USER), operations: ['GET calld/applications/{application_uuid}/nodes/{node_uuid}'] },
  { name: 'application.removeCallNodes', call: (c) => c.application.removeCallNodes(APP, USER, 'c1'), operations: ['DELETE calld/applications/{application_uuid}/nodes/{node_uuid}/calls/{call_id}'] },
  { name: 'application.addCallNodes', call: (c) => c.application.addCallNodes(APP, USER, 'c1'), operations: ['PUT calld/applications/{application_uuid}/nodes/{node_uuid}/calls/{call_id}'], check: (r) => expect(r).toBe(true) },
  {
    name: 'application.playCall (= startPlaybackCall)',
    call: (c) => c.application.playCall(APP, 'c1', 'en_US', 'sound:tt-weasels'),
    operations: ['POST calld/applications/{application_uuid}/calls/{call_id}/playbacks'],
    check: (r, [req]) => (expect(req.json()).toEqual({ language: 'en_US', uri: 'sound:tt-weasels' }), expect(r).toEqual(sampleFor('calld', 'POST', `/applications/${APP}/calls/c1/playbacks`))),
  },
  { name: 'application.startPlaybackCall', call: (c) => c.application.startPlaybackCall(APP, 'c1', 'fr_FR', 'sound:x'), operations: ['POST calld/applications/{application_uuid}/calls/{call_id}/playbacks'] },
  { name: 'application.stopPlaybackCall', call: (c) => c.application.stopPlaybackCall(APP, USER), operations: ['DELETE calld/applications/{application_uuid}/playbacks/{playback_uuid}'] },

  // calld
  { name: 'calld.getConferenceParticipantsAsUser', call: (c) => c.calld.getConferenceParticipantsAsUser(12), operations: ['GET calld/users/me/conferences/{conference_id}/participants'] },
  { name: 'calld.answerSwitchboardQueuedCall', call: (c) => c.calld.answerSwitchboardQueuedCall(SB, 'c1', 3), operations: ['PUT calld/switchboards/{switchboard_uuid}/calls/queued/{call_id}/answer'], check: (r, [req]) => (expect(req.query.get('line_id')).toBe('3'), expect(r).toEqual(sampleFor('calld', 'PUT', `/switchboards/${SB}/calls/queued/c1/answer`))) },
  { name: 'calld.answerSwitchboardHeldCall', call: (c) => c.calld.answerSwitchboardHeldCall(SB, 'c1'), operations: ['PUT calld/switchboards/{switchboard_uuid}/calls/held/{call_id}/answer'], check: (_, [req]) => expect([...req.query.keys()]).toEqual([]) },
  { name: 'calld.holdSwitchboardCall', call: (c) => c.calld.holdSwitchboardCall(SB, 'c1'), operations: ['PUT calld/switchboards/{switchboard_uuid}/calls/held/{call_id}'], check: (r) => expect(r).toBe(true) },
  { name: 'calld.fetchSwitchboardHeldCalls', call: (c) => c.calld.fetchSwitchboardHeldCalls(SB), operations: ['GET calld/switchboards/{switchboard_uuid}/calls/held'] },
  { name: 'calld.fetchSwitchboardQueuedCalls', call: (c) => c.calld.fetchSwitchboardQueuedCalls(SB), operations: ['GET calld/switchboards/{switchboard_uuid}/calls/queued'] },
  { name: 'calld.cancelCall', call: (c) => c.calld.cancelCall('c1'), operations: ['DELETE calld/users/me/calls/{call_id}'], check: (r) => expect(r).toBe(true) },
  {
    name: 'calld.listCalls',
    call: (c) => c.calld.listCalls(),
    operations: ['GET calld/users/me/calls'],
    check: (r) => {
      const calls = r as Call[];
      expect(calls).toHaveLength(items('calld', 'GET', '/users/me/calls').length);
      expect(calls[0]).toBeInstanceOf(Call);
      expect(calls[0]).toMatchObject({ id: 'call_id-sample', sipCallId: 'sip_call_id-sample', callerNumber: 'caller_id_number-sample', calleeName: 'peer_caller_id_name-sample', onHold: true, lineId: 7, recordingState: 'active', talkingToIds: ['{channel_id}'] });
      expect(calls[0].recording).toBe(true);
      expect(calls[0].startingTime).toEqual(new Date('2024-05-01T10:00:00.123Z'));
    },
  },
  { name: 'calld.makeCall', call: (c) => c.calld.makeCall('1234', false, 3), operations: ['POST calld/users/me/calls'], check: (_, [req]) => expect(req.json()).toEqual({ from_mobile: false, extension: '1234', line_id: 3 }) },
  { name: 'calld.makeCall (all lines)', call: (c) => c.calld.makeCall('1234', true, null, true), operations: ['POST calld/users/me/calls'], check: (_, [req]) => expect(req.json()).toEqual({ from_mobile: true, extension: '1234', all_lines: true }) },
  { name: 'calld.mute', call: (c) => c.calld.mute('c1'), operations: ['PUT calld/users/me/calls/{call_id}/mute/start'] },
  { name: 'calld.unmute', call: (c) => c.calld.unmute('c1'), operations: ['PUT calld/users/me/calls/{call_id}/mute/stop'] },
  { name: 'calld.hold', call: (c) => c.calld.hold('c1'), operations: ['PUT calld/users/me/calls/{call_id}/hold/start'] },
  { name: 'calld.resume', call: (c) => c.calld.resume('c1'), operations: ['PUT calld/users/me/calls/{call_id}/hold/stop'] },
  { name: 'calld.sendDTMF', call: (c) => c.calld.sendDTMF('c1', '12#*'), operations: ['PUT calld/users/me/calls/{call_id}/dtmf'], check: (_, [req]) => expect(req.query.get('digits')).toBe('12#*') },
  {
    name: 'calld.transferCall',
    call: (c) => c.calld.transferCall('c1', '1003'),
    operations: ['POST calld/users/me/transfers'],
    check: (r, [req]) => {
      expect(req.json()).toEqual({ initiator_call: 'c1', exten: '1003', flow: 'attended' });
      expect(r).toBeInstanceOf(IndirectTransfer);
      expect(r).toMatchObject({ id: 'id-sample', sourceId: 'initiator_call-sample', destinationId: 'recipient_call-sample', status: 'abandoned' });
    },
  },
  { name: 'calld.transferCall (blind)', call: (c) => c.calld.transferCall('c1', '1003', 'blind'), operations: ['POST calld/users/me/transfers'], check: (_, [req]) => expect(req.json()).toEqual({ initiator_call: 'c1', exten: '1003', flow: 'blind' }) },
  { name: 'calld.confirmCallTransfer', call: (c) => c.calld.confirmCallTransfer('t1'), operations: ['PUT calld/users/me/transfers/{transfer_id}/complete'], check: (r) => expect(r).toBe(true) },
  { name: 'calld.cancelCallTransfer', call: (c) => c.calld.cancelCallTransfer('t1'), operations: ['DELETE calld/users/me/transfers/{transfer_id}'], check: (r) => expect(r).toBe(true) },
  {
    name: 'calld.relocateCall',
    call: (c) => c.calld.relocateCall('c1', 'line', 3),
    operations: ['POST calld/users/me/relocates'],
    check: (r, [req]) => {
      expect(req.json()).toEqual({ completions: ['answer'], destination: 'line', initiator_call: 'c1', auto_answer: true, location: { line_id: 3 } });
      expect(r).toBeInstanceOf(Relocation);
      expect(r).toMatchObject({ initiatorCall: 'initiator_call-sample', recipientCall: 'recipient_call-sample', relocatedCall: 'relocated_call-sample' });
    },
  },
  {
    name: 'calld.listVoicemails',
    call: (c) => c.calld.listVoicemails(),
    operations: ['GET calld/users/me/voicemails'],
    check: (r) => {
      const vms = r as Voicemail[];
      expect(vms).toHaveLength(4);
      expect(vms[0]).toBeInstanceOf(Voicemail);
      expect(vms[0]).toMatchObject({ id: 'id-sample', duration: 7000, date: new Date(7000), caller: { name: 'caller_id_name-sample', number: 'caller_id_num-sample' }, unread: true });
    },
  },
  { name: 'calld.deleteVoicemail', call: (c) => c.calld.deleteVoicemail('m1'), operations: ['DELETE calld/users/me/voicemails/messages/{message_id}'] },
  {
    name: 'calld.sendFax',
    call: (c) => c.calld.sendFax('1234', pdf, 'Me <555>'),
    operations: ['POST calld/users/me/faxes'],
    check: (_, [req]) => {
      expect(req.headers['content-type']).toBe('application/pdf');
      expect(req.headers['x-auth-token']).toBe('user-token');
      expect(req.body.toString()).toBe('%PDF-1.4 fake');
      expect(req.url).toContain('extension=1234&caller_id=Me%20%3C555%3E');
    },
  },

  // confd
  { name: 'confd.listUsers', call: (c) => c.confd.listUsers(), operations: ['GET confd/users'] },
  {
    name: 'confd.getUser',
    call: (c) => c.confd.getUser(USER),
    operations: ['GET confd/users/{user_id}'],
    check: (r) => {
      expect(r).toBeInstanceOf(Profile);
      const p = r as Profile;
      expect(p).toMatchObject({ id: '0b1b5d8e-6f1a-4c1e-9a55-3d8c1f7e2a10', firstName: 'firstname-sample', lastName: 'lastname-sample', subscriptionType: 7, ringSeconds: 7, mobileNumber: 'mobile_phone_number-sample' });
      expect(p.forwards.map((f) => f.key)).toEqual(['busy', 'noanswer', 'unconditional']);
      expect(p.lines.length).toBeGreaterThan(0);
    },
  },
  {
    name: 'confd.getUserLineSip',
    call: (c) => c.confd.getUserLineSip(USER, 3),
    operations: ['GET confd/users/{user_uuid}/lines/{line_id}/associated/endpoints/sip'],
    check: (r, [req]) => {
      expect(req.query.get('view')).toBe('merged');
      expect(r).toBeInstanceOf(SipLine);
      expect((r as SipLine).authSectionOptions).toEqual([['option', 'value'], ['option', 'value']]);
    },
  },
  { name: 'confd.listApplications', call: (c) => c.confd.listApplications(), operations: ['GET confd/applications'] },
  { name: 'confd.getInfos', call: (c) => c.confd.getInfos(), operations: ['GET confd/infos'], check: (r) => expect(r).toEqual(sampleFor('confd', 'GET', '/infos')) },

  // dird
  {
    name: 'dird.search',
    call: (c) => c.dird.search('default', 'ali', 1, 1),
    operations: ['GET dird/directories/lookup/{profile}'],
    check: (r, [req]) => {
      expect(req.query.get('term')).toBe('ali');
      const contacts = r as Contact[];
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).toMatchObject({ source: 'source-sample', backend: 'backend-sample', sourceId: 'source_entry_id-sample', uuid: '0b1b5d8e-6f1a-4c1e-9a55-3d8c1f7e2a10' });
    },
  },
  { name: 'dird.listPersonalContacts', call: (c) => c.dird.listPersonalContacts(), operations: ['GET dird/personal'], check: (r) => expect((r as Contact[]).every((x) => x.personal && x.source === 'personal')).toBe(true) },
  {
    name: 'dird.addContact',
    call: (c) => c.dird.addContact({ firstName: 'Ann', lastName: 'Lee', phoneNumber: '5551234', email: 'ann@example.com' }),
    operations: ['POST dird/personal'],
    check: (r, [req]) => (expect(req.json()).toEqual({ firstname: 'Ann', lastname: 'Lee', number: '5551234', email: 'ann@example.com' }), expect(r).toBeInstanceOf(Contact)),
  },
  { name: 'dird.editContact', call: (c) => c.dird.editContact(new Contact({ sourceId: 'abc/1', firstName: 'Ann' })), operations: ['PUT dird/personal/{contact_id}'], check: (_, [req]) => expect(req.url).toBe('/api/dird/0.1/personal/abc%2F1') },
  { name: 'dird.deleteContact', call: (c) => c.dird.deleteContact('abc'), operations: ['DELETE dird/personal/{contact_id}'] },
  { name: 'dird.listFavorites', call: (c) => c.dird.listFavorites('default'), operations: ['GET dird/directories/favorites/{profile}'], check: (r) => expect((r as Contact[]).length).toBe(2) },
  { name: 'dird.markAsFavorite', call: (c) => c.dird.markAsFavorite('personal', 'abc'), operations: ['PUT dird/directories/favorites/{directory}/{contact}'], check: (r) => expect(r).toBe(true) },
  { name: 'dird.removeFavorite', call: (c) => c.dird.removeFavorite('personal', 'abc'), operations: ['DELETE dird/directories/favorites/{directory}/{contact}'] },

  // agentd
  {
    name: 'agentd.getAgent',
    call: (c) => c.agentd.getAgent(12),
    operations: ['GET agentd/agents/by-id/{agent_id}'],
    check: (r) => (expect(r).toBeInstanceOf(Agent), expect(r).toMatchObject({ id: 7, number: 'number-sample', logged: true, paused: true, pausedReason: 'paused_reason-sample' })),
  },
  { name: 'agentd.login', call: (c) => c.agentd.login('1001', 'default', '1234'), operations: ['POST agentd/agents/by-number/{agent_number}/login'], check: (_, [req]) => expect(req.json()).toEqual({ context: 'default', extension: '1234' }) },
  { name: 'agentd.logout', call: (c) => c.agentd.logout('1001'), operations: ['POST agentd/agents/by-number/{agent_number}/logoff'] },
  { name: 'agentd.pause', call: (c) => c.agentd.pause('1001'), operations: ['POST agentd/agents/by-number/{agent_number}/pause'], check: (_, [req]) => expect(req.json()).toEqual({ reason: 'songbird_reason' }) },
  { name: 'agentd.resume', call: (c) => c.agentd.resume('1001'), operations: ['POST agentd/agents/by-number/{agent_number}/unpause'] },
  { name: 'agentd.loginWithLineId', call: (c) => c.agentd.loginWithLineId(3), operations: ['POST agentd/users/me/agents/login'], check: (_, [req]) => expect(req.json()).toEqual({ line_id: 3 }) },
  { name: 'agentd.getStatus', call: (c) => c.agentd.getStatus(), operations: ['GET agentd/users/me/agents'], check: (r) => expect(r).toBeInstanceOf(Agent) },
  { name: 'agentd.staticLogout', call: (c) => c.agentd.staticLogout(), operations: ['POST agentd/users/me/agents/logoff'] },
  { name: 'agentd.staticPause', call: (c) => c.agentd.staticPause('lunch'), operations: ['POST agentd/users/me/agents/pause'], check: (_, [req]) => expect(req.json()).toEqual({ reason: 'lunch' }) },
  { name: 'agentd.staticResume', call: (c) => c.agentd.staticResume(), operations: ['POST agentd/users/me/agents/unpause'] },

  // call-logd
  {
    name: 'callLogd.search',
    call: (c) => c.callLogd.search('ali', 10),
    operations: ['GET call-logd/users/me/cdr'],
    check: (r, [req]) => {
      expect(req.url).toBe('/api/call-logd/1.0/users/me/cdr?search=ali&limit=10');
      const logs = r as CallLog[];
      expect(logs[0]).toBeInstanceOf(CallLog);
      expect(logs[0]).toMatchObject({ id: 7, answered: true, callDirection: 'inbound', duration: 7000, source: { extension: 'source_extension-sample' }, destination: { name: 'requested_name-sample', extension: 'requested_extension-sample' } });
      expect(logs[0].recordings[0]).toMatchObject({ uuid: '0b1b5d8e-6f1a-4c1e-9a55-3d8c1f7e2a10', fileName: 'filename-sample' });
    },
  },
  { name: 'callLogd.listCallLogs (offset 0 is sent)', call: (c) => c.callLogd.listCallLogs(0, 10), operations: ['GET call-logd/users/me/cdr'], check: (_, [req]) => expect(req.url).toBe('/api/call-logd/1.0/users/me/cdr?offset=0&limit=10') },
  { name: 'callLogd.listCallLogsFromDate', call: (c) => c.callLogd.listCallLogsFromDate(new Date('2024-05-01T00:00:00Z'), '1234'), operations: ['GET call-logd/users/me/cdr'], check: (_, [req]) => expect(req.query.get('from')).toBe('2024-05-01T00:00:00.000Z') },

  // chatd
  { name: 'chatd.getContactStatusInfo', call: (c) => c.chatd.getContactStatusInfo(USER), operations: ['GET chatd/users/{user_uuid}/presences'], check: (r) => expect(r).toEqual(sampleFor('chatd', 'GET', `/users/${USER}/presences`)) },
  { name: 'chatd.getState', call: (c) => c.chatd.getState(USER), operations: ['GET chatd/users/{user_uuid}/presences'], check: (r) => expect(r).toBe('available') },
  { name: 'chatd.getLineState', call: (c) => c.chatd.getLineState(USER), operations: ['GET chatd/users/{user_uuid}/presences'], check: (r) => expect(r).toBe('available') },
  {
    name: 'chatd.getMultipleLineState (batches of 30)',
    call: (c) => c.chatd.getMultipleLineState(Array.from({ length: 35 }, (_, i) => `u${i}`)),
    operations: ['GET chatd/users/presences', 'GET chatd/users/presences'],
    check: (r, reqs) => {
      expect(reqs.map((q) => q.query.get('user_uuid')?.split(',').length).sort()).toEqual([30, 5]);
      expect(r).toHaveLength(4);
    },
  },
  { name: 'chatd.getUserRooms', call: (c) => c.chatd.getUserRooms(), operations: ['GET chatd/users/me/rooms'], check: (r) => (expect((r as ChatRoom[])[0]).toBeInstanceOf(ChatRoom), expect((r as ChatRoom[])[0].users).toHaveLength(2)) },
  { name: 'chatd.updateState', call: (c) => c.chatd.updateState(USER, 'away'), operations: ['PUT chatd/users/{user_uuid}/presences'], check: (r, [req]) => (expect(req.json()).toEqual({ state: 'away' }), expect(r).toBe(true)) },
  { name: 'chatd.updateStatus', call: (c) => c.chatd.updateStatus(USER, 'available', 'In a meeting'), operations: ['PUT chatd/users/{user_uuid}/presences'], check: (_, [req]) => expect(req.json()).toEqual({ state: 'available', status: 'In a meeting' }) },
  { name: 'chatd.createRoom', call: (c) => c.chatd.createRoom('team', [{ uuid: USER }]), operations: ['POST chatd/users/me/rooms'], check: (r) => expect(r).toBeInstanceOf(ChatRoom) },
  {
    name: 'chatd.getRoomMessages',
    call: (c) => c.chatd.getRoomMessages(APP, { offset: 0, limit: 5 }),
    operations: ['GET chatd/users/me/rooms/{room_uuid}/messages'],
    check: (r, [req]) => (expect(req.url).toContain('?offset=0&limit=5'), expect((r as ChatMessage[])[0]).toBeInstanceOf(ChatMessage)),
  },
  {
    name: 'chatd.sendRoomMessage',
    call: (c) => c.chatd.sendRoomMessage(APP, new ChatMessage({ uuid: 'x', content: 'hello', alias: 'Ann' })),
    operations: ['POST chatd/users/me/rooms/{room_uuid}/messages'],
    check: (r, [req]) => (expect(req.json()).toEqual({ content: 'hello', alias: 'Ann' }), expect(r).toBeInstanceOf(ChatMessage)),
  },
  { name: 'chatd.getMessages', call: (c) => c.chatd.getMessages({ search: 'hi', distinct: 'room_uuid', limit: 0 }), operations: ['GET chatd/users/me/rooms/messages'], check: (_, [req]) => expect(req.query.get('limit')).toBe('0') },
];

describe('every method sends a request its OpenAPI spec accepts and parses the documented answer', () => {
  it.each(cases)('$name', async ({ call, operations, check }) => {
    const result = await call(client);
    expect(server.requests.map((r) => r.operation)).toEqual(operations);
    expect(server.violations()).toEqual([]);
    for (const req of server.requests) {
      const authenticated = !/^(POST auth\/token|(DELETE|HEAD|GET) auth\/token\/\{token\})$/.test(req.operation ?? '');
      expect(req.headers['x-auth-token']).toBe(authenticated ? 'user-token' : undefined);
    }
    check?.(result, server.requests);
  });
});

describe('methods whose endpoints are in no current spec', () => {
  it('calld.getPresence/getStatus go to the legacy ctid-ng/1.0 prefix (also as client.ctidNg)', async () => {
    server.when('GET', /^ctid-ng\/1\.0\//, (req) => ({ body: { presence: 'available', user_uuid: req.path.split('/')[2] } }));
    await expect(client.calld.getPresence(USER)).resolves.toEqual({ presence: 'available', user_uuid: USER });
    await client.calld.getStatus(3);
    await client.ctidNg.getPresence(USER);
    expect(server.requests.map((r) => `${r.method} ${r.prefix}${r.path}`)).toEqual([
      `GET ctid-ng/1.0/users/${USER}/presences`,
      'GET ctid-ng/1.0/lines/3/presences',
      `GET ctid-ng/1.0/users/${USER}/presences`,
    ]);
  });

  it('calld.listMessages / sendMessage / updatePresence use the pre-19.05 calld endpoints', async () => {
    server.when('GET', 'calld/1.0/users/me/chats', { body: { items: [{ msg: 'hi', alias: 'Bob', source_user_uuid: USER, date: '2019-01-01T00:00:00Z' }] } });
    server.when('POST', 'calld/1.0/users/me/chats', { status: 204 });
    server.when('PUT', 'calld/1.0/users/me/presences', { status: 204 });
    const messages = await client.calld.listMessages(USER, 10);
    expect(messages[0]).toMatchObject({ content: 'hi', alias: 'Bob', userUuid: USER });
    await expect(client.calld.sendMessage('Ann', 'hello', USER)).resolves.toBe(true);
    await expect(client.calld.updatePresence('available')).resolves.toBe(true);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /api/calld/1.0/users/me/chats?participant_user_uuid=${USER}&limit=10`,
      'POST /api/calld/1.0/users/me/chats',
      'PUT /api/calld/1.0/users/me/presences',
    ]);
    expect(server.requests[1].json()).toEqual({ alias: 'Ann', msg: 'hello', to: USER });
    // The validator knows these paths are gone from calld's spec.
    expect(server.violations().every((v) => v.startsWith('no path of calld matches'))).toBe(true);
  });
});

describe('tokens', () => {
  const rejectOldToken = () =>
    server.when('GET', 'calld/1.0/users/me/calls', (req) => (req.headers['x-auth-token'] === 'fresh-token' ? undefined : { status: 401, body: { message: 'Unauthorized', error_id: 'unauthorized' } }));
  const issueFreshToken = () =>
    server.when('POST', 'auth/0.1/token', (req) => ((req.json() as JsonObject).refresh_token === 'refresh-1' ? { body: { data: { token: 'fresh-token', utc_expires_at: '2030-01-01T00:00:00', metadata: { uuid: USER } } } } : { status: 401, body: { reason: ['Invalid refresh token'] } }));

  it('logIn with a wrong password is one request and a 401 BadResponse (no refresh, no replay)', async () => {
    client.setRefreshToken('refresh-1');
    server.when('POST', 'auth/0.1/token', { status: 401, body: { reason: ['Authentication Failed'], timestamp: ['now'], status_code: 401 } });
    const onRefresh = jest.fn();
    client.setOnRefreshToken(onRefresh);
    const error = await client.auth.logIn({ username: 'alice', password: 'wrong' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadResponse);
    expect(error).toMatchObject({ status: 401, message: 'Authentication Failed' });
    expect(server.requests).toHaveLength(1);
    expect(onRefresh).not.toHaveBeenCalled();
    expect(client.token).toBe('user-token');
  });

  it('logIn without a clientId asks for no refresh token', async () => {
    const anonymous = new WazoApiClient({ server: server.host, fetch: fetchTrusting(testCertificate().cert) });
    await anonymous.auth.logIn({ username: 'a', password: 'b', mobile: true });
    expect(server.requests[0].json()).toEqual({ backend: 'wazo_user', expiration: 3600 });
    expect(server.requests[0].headers['wazo-session-type']).toBe('mobile');
  });

  it('an expired token is refreshed with the refresh token, installed before onRefreshToken, and the call replayed', async () => {
    rejectOldToken();
    issueFreshToken();
    client.setRefreshToken('refresh-1');
    client.setRefreshExpiration(1800);
    const seen: Array<[string, string | null, Session]> = [];
    client.setOnRefreshToken((token, session) => seen.push([token, client.token, session]));
    const calls = await client.calld.listCalls();
    expect(calls).toHaveLength(2);
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toBe('fresh-token');
    expect(seen[0][1]).toBe('fresh-token');
    expect(seen[0][2]).toBeInstanceOf(Session);
    expect(server.requests.map((r) => r.operation)).toEqual(['GET calld/users/me/calls', 'POST auth/token', 'GET calld/users/me/calls']);
    expect(server.requests[1].json()).toEqual({ backend: 'wazo_user', expiration: 1800, refresh_token: 'refresh-1', client_id: 'my-app' });
    expect(server.violations()).toEqual([]);
  });

  it('concurrent expired calls share one refresh request', async () => {
    rejectOldToken();
    issueFreshToken();
    client.setRefreshToken('refresh-1');
    await Promise.all([client.calld.listCalls(), client.calld.listCalls(), client.calld.listCalls(), client.forceRefreshToken()]);
    expect(server.requestsTo('POST', 'auth/0.1/token')).toHaveLength(1);
    expect(server.requestsTo('GET', 'calld/1.0/users/me/calls').filter((r) => r.headers['x-auth-token'] === 'fresh-token')).toHaveLength(3);
  });

  it('without a refresh token the caller gets a RefreshTokenError after a single request', async () => {
    rejectOldToken();
    await expect(client.calld.listCalls()).rejects.toMatchObject({ name: 'RefreshTokenError', failure: 'no_refresh_token', status: 401 });
    expect(server.requests).toHaveLength(1);
  });

  it('a rejected refresh token reports onRefreshTokenError and rejects with RefreshTokenError', async () => {
    rejectOldToken();
    issueFreshToken();
    client.setRefreshToken('revoked');
    const onError = jest.fn();
    client.setOnRefreshTokenError(onError);
    const error = await client.calld.listCalls().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshTokenError);
    expect((error as RefreshTokenError).refreshError).toMatchObject({ status: 401, message: 'Invalid refresh token' });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(server.requests.map((r) => r.operation)).toEqual(['GET calld/users/me/calls', 'POST auth/token']);
    client.setOnRefreshTokenError(null);
  });

  it('authenticate(token) with an unknown token refreshes and retries with the new token in the path', async () => {
    issueFreshToken();
    client.setRefreshToken('refresh-1');
    server.when('GET', /^auth\/0\.1\/token\//, (req) =>
      req.path.endsWith('/fresh-token') ? { body: { data: { token: 'fresh-token', metadata: { uuid: USER } } } } : { status: 404, body: { reason: ['No such token'], status_code: 404 } },
    );
    const session = await client.auth.authenticate('stale-token');
    expect(session).toMatchObject({ token: 'fresh-token', uuid: USER });
    expect(server.requests.map((r) => r.url)).toEqual(['/api/auth/0.1/token/stale-token', '/api/auth/0.1/token', '/api/auth/0.1/token/fresh-token']);
  });

  it('checkToken is false for 404/401/403 and throws for server errors', async () => {
    server.when('HEAD', /^auth\/0\.1\/token\//, { status: 404 }, 1);
    await expect(client.auth.checkToken('x')).resolves.toBe(false);
    server.when('HEAD', /^auth\/0\.1\/token\//, { status: 500 }, 1);
    await expect(client.auth.checkToken('x')).rejects.toMatchObject({ name: 'ServerError', status: 500 });
  });

  it('setRefreshTokenExpiration (seed name) sets the refresh expiration', () => {
    client.setRefreshTokenExpiration(42);
    expect(client.refreshExpiration).toBe(42);
    client.setRefreshExpiration(3600);
  });
});
