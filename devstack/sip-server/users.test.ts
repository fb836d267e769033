// The user directory: the shipped users.json, --add-users specs, validation, no secrets out.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from './logger';
import { demoUsers, loadUsersFile, parseAddUsers, UserDirectory } from './users';
import { md5 } from '../../protocol/sip/digest';

const FILE = join(__dirname, 'users.json');

test('users.json holds the demo users 1001-1010 (1009, 1010 single device), the same as demoUsers()', () => {
  const file = loadUsersFile(FILE);
  expect(file).toEqual(demoUsers());
  expect(file.map((u) => u.user)).toEqual(['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009', '1010']);
  expect(file.filter((u) => u.singleDevice).map((u) => u.user)).toEqual(['1009', '1010']);
  expect(file.every((u) => u.password === `secret${u.user}`)).toBe(true);
  expect(JSON.parse(readFileSync(FILE, 'utf8')).users).toHaveLength(10);
});

test('--add-users: ranges, user:password, "!" = single device', () => {
  expect(parseAddUsers('1011-1012, alice:pa:ss!')).toEqual([
    { user: '1011', password: 'secret1011', singleDevice: false },
    { user: '1012', password: 'secret1012', singleDevice: false },
    { user: 'alice', password: 'pa:ss', singleDevice: true },
  ]);
  expect(() => parseAddUsers('1012-1011')).toThrow(/bad range/);
  expect(() => parseAddUsers('nopassword')).toThrow(/cannot read/);
});

test('directory: HA1 kept, never the password; invalid names and missing secrets refused', () => {
  const secrets: string[] = [];
  const logger = { ...createLogger('silent'), addSecret: (s: string) => secrets.push(s) };
  const dir = new UserDirectory('kazoo.test', logger);
  const info = dir.add({ user: '2001', password: 'pw2001', displayName: 'Two' });
  expect(info).toEqual({ user: '2001', displayName: 'Two', singleDevice: false });
  expect(dir.ha1('2001')).toBe(md5('2001:kazoo.test:pw2001'));
  expect(JSON.stringify(dir.list())).not.toContain('pw2001');
  expect(secrets).toEqual(['pw2001', md5('2001:kazoo.test:pw2001')]);
  expect(() => dir.add({ user: 'bad user', password: 'x' })).toThrow(/invalid user name/);
  expect(() => dir.add({ user: '2002' })).toThrow(/needs a non-empty/);
});
