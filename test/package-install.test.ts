/**
 * The package as its users get it: `npm pack`, the tarball installed into an empty folder (its
 * dependencies from the npm registry), then every bin's `--help` through npx and every package.json
 * `exports` entry imported in ESM and required in CJS, from that folder. No TypeScript there: the bins are
 * built JavaScript. One pack and one install per tarball content, cached in the temp dir. Needs
 * `npm run build`; skipped, with the reason printed, only when the registry cannot be reached.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, unknown>;
};

function registryUnreachable(): string | null {
  const ping = spawnSync(NPM, ['ping'], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  return ping.status === 0 ? null : `npm registry not reachable (npm ping: ${(ping.stderr || ping.error?.message || 'timed out').trim().split('\n').pop()})`;
}

const unreachable = registryUnreachable();
if (unreachable) console.warn(`test/package-install.test.ts skipped: ${unreachable}`);
const describeInstalled = unreachable ? describe.skip : describe;

/** Packs the package and installs the tarball into an empty folder, once per tarball content. */
function installedPackage(): string {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.mjs'))) throw new Error('dist/ is missing: run npm run build');
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-js-pack-'));
  try {
    const tarballName = execFileSync(NPM, ['pack', '--silent', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }).trim().split('\n').pop()!;
    const tarball = path.join(packDir, tarballName);
    const digest = createHash('sha256').update(fs.readFileSync(tarball)).digest('hex').slice(0, 16);
    const dir = path.join(os.tmpdir(), `kazoo-js-package-install-${digest}`);
    if (fs.existsSync(path.join(dir, '.installed'))) return dir;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    fs.copyFileSync(tarball, path.join(dir, 'package.tgz'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'empty-project', private: true }));
    execFileSync(NPM, ['install', '--no-audit', '--no-fund', '--loglevel=error', './package.tgz'], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
    fs.writeFileSync(path.join(dir, '.installed'), '');
    return dir;
  } finally {
    fs.rmSync(packDir, { recursive: true, force: true });
  }
}

describeInstalled('the packed package, installed into an empty folder', () => {
  let dir = '';
  beforeAll(() => {
    dir = installedPackage();
  });

  const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });

  test('no TypeScript comes with it (the bins are built JavaScript)', () => {
    expect(fs.existsSync(path.join(dir, 'node_modules', pkg.name, 'package.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'node_modules', 'typescript'))).toBe(false);
  });

  test.each(Object.keys(pkg.bin))('npx %s --help', (bin) => {
    const out = run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--no-install', bin, '--help']);
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
    expect(out.stdout).toContain(bin);
    expect(out.stdout).toMatch(/--[a-z]/); // it lists its flags
  });

  const entries = Object.keys(pkg.exports).filter((key) => key !== './package.json');
  const specifier = (key: string): string => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`);

  test.each(entries)('exports %s: the same named exports through import (ESM) and require (CJS)', (key) => {
    const id = JSON.stringify(specifier(key));
    const esm = run(process.execPath, ['--input-type=module', '-e', `const m = await import(${id}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))`]);
    const cjs = run(process.execPath, ['-e', `const m = require(${id}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort()))`]);
    expect({ status: esm.status, stderr: esm.stderr }).toEqual({ status: 0, stderr: '' });
    expect({ status: cjs.status, stderr: cjs.stderr }).toEqual({ status: 0, stderr: '' });
    const names = JSON.parse(esm.stdout) as string[];
    expect(names.length).toBeGreaterThan(0);
    expect(JSON.parse(cjs.stdout)).toEqual(names);
  });
});
