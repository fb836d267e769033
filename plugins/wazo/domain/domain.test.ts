// Parsing edge cases the generated samples do not reach (missing sections, legacy shapes, paging).
import { CallLog, Contact, Profile, Session, SipLine, Voicemail } from './index';

describe('Session', () => {
  it('reads wazo-auth UTC times without a zone as UTC, and decodes JWT authorizations', () => {
    const claims = Buffer.from(JSON.stringify({ authorizations: [{ uuid: 'a1', service: 's', rules: [{ name: 'softphone', options: {} }] }] })).toString('base64url');
    const session = Session.parse({ data: { token: 't', utc_expires_at: '2024-05-01T10:00:00.654321', acls: ['a'], acl: ['ignored'], metadata: { uuid: 'u', jwt: `h.${claims}.sig` } } }, new Headers({ 'wazo-stack-host': 'edge-1' }))!;
    expect(session.expiresAt.toISOString()).toBe('2024-05-01T10:00:00.654Z');
    expect(session.acl).toEqual(['a']);
    expect(session.hasAuthorization('softphone')).toBe(true);
    expect(session.stackHost).toBe('edge-1');
    expect(session.hasExpired(new Date('2024-05-01T09:00:00Z'))).toBe(false);
    expect(Session.parse({ data: {} })).toBeNull();
    expect(Session.parse({ data: { token: 't', metadata: { jwt: 'not.a-jwt!' } } })!.authorizations).toEqual([]);
  });

  it('compares engine versions', () => {
    const s = new Session({ token: 't', engineVersion: '20.13' });
    expect(s.hasEngineVersionGte('20.09')).toBe(true);
    expect(s.hasEngineVersionGte('20.13')).toBe(true);
    expect(s.hasEngineVersionGte('21.1')).toBe(false);
  });
});

describe('Profile', () => {
  it('parses a user without forwards or services (the original threw)', () => {
    const p = Profile.parse({ uuid: 'u', firstname: 'A' });
    expect(p).toMatchObject({ id: 'u', firstName: 'A', forwards: [], doNotDisturb: false, subscriptionType: null });
  });

  it('ranks line states', () => {
    expect(Profile.getLinesState([{ state: 'available' }, { state: 'talking' }])).toBe('talking');
    expect(Profile.getLinesState([{ state: 'talking' }, { state: 'ringing' }])).toBe('ringing');
    expect(Profile.getLinesState([])).toBe('unavailable');
  });
});

describe('SipLine', () => {
  it('reads pre-20.13 credentials and keeps the endpoint type', () => {
    const line = SipLine.parse({ uuid: 'x', username: 'u', secret: 's', host: 'dynamic', type: 'friend', options: [['webrtc', 'yes']] });
    expect(line).toMatchObject({ username: 'u', secret: 's', host: 'dynamic', type: 'friend' });
    expect(line.isWebRtc()).toBe(true);
  });
});

describe('Voicemail', () => {
  it('reads every folder; new and urgent are unread', () => {
    const vms = Voicemail.parseMany({
      folders: [
        { id: 1, name: 'inbox', type: 'new', messages: [{ id: 'n', timestamp: 1, duration: 2 }] },
        { id: 3, name: 'urgent', type: 'urgent', messages: [{ id: 'u', timestamp: 1, duration: 2 }] },
        { id: 4, name: 'work', type: 'other', messages: [{ id: 'o', timestamp: 1, duration: 2 }] },
      ],
    });
    expect(vms.map((v) => [v.id, v.unread, v.folder?.type])).toEqual([['n', true, 'new'], ['u', true, 'urgent'], ['o', false, 'other']]);
    expect(Voicemail.parseMany({})).toEqual([]);
  });
});

describe('Contact', () => {
  const lookup = {
    column_types: ['name', 'number', 'callable', 'email', 'favorite', 'personal'],
    results: ['a', 'b', 'c', 'd'].map((id) => ({ column_values: [`N ${id}`, `1${id}`, null, `${id}@x`, true, false], relations: { source_entry_id: id, user_uuid: null, endpoint_id: 4 }, source: 'internal', backend: 'wazo' })),
  };

  it('pages with offset and a limit that is a count (the original used it as an end index)', () => {
    expect(Contact.parseMany(lookup, 1, 2).map((c) => c.sourceId)).toEqual(['b', 'c']);
    expect(Contact.parseMany(lookup, 2).map((c) => c.sourceId)).toEqual(['c', 'd']);
    expect(Contact.parseMany(lookup, 0, 0)).toEqual([]);
  });

  it('maps columns by type and skips empty number columns', () => {
    const [c] = Contact.parseMany(lookup);
    expect(c).toMatchObject({ name: 'N a', number: '1a', numbers: [{ label: 'primary', number: '1a' }], email: 'a@x', emails: [{ label: 'primary', email: 'a@x' }], favorited: true, endpointId: 4 });
  });

  it('builds a personal body without blank fields', () => {
    expect(Contact.toPersonalBody({ firstName: 'A', lastName: '', phoneNumber: '1' })).toEqual({ firstname: 'A', number: '1' });
  });
});

describe('CallLog', () => {
  it('falls back from requested to destination fields', () => {
    const log = CallLog.parse({ id: 1, answered: false, destination_name: 'Room', destination_extension: '', duration: 3, start: '2024-05-01T10:00:00+00:00' });
    expect(log).toMatchObject({ callStatus: 'unknown', duration: 3000, destination: { name: 'Room', extension: 'meeting-Room' } });
    expect(log.start?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
  });
});
