// @wazo/sdk, the baseline of the Wazo benchmarks: installed on demand from the npm registry into
// bench/.cache (gitignored) at a pinned version, then bundled for a browser exactly as our Wazo global
// build is (same rollup resolution, same terser options, gzip -9), so both sizes mean the same thing.
//
//   node bench/wazo/sdk.mjs --install   # bench/run.sh runs this outside the network namespace
//
// WAZO_SDK_DIR=<folder with node_modules/@wazo/sdk> uses another install instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { MINIFY_OPTIONS, packageJsonFields } from '../../rollup.plugins.mjs';

export const SDK_VERSION = '0.44.7';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = path.join(root, 'bench', '.cache', `wazo-sdk-${SDK_VERSION}`);
const sdkPackage = (dir) => path.join(dir, 'node_modules', '@wazo', 'sdk');

/**
 * The folder holding node_modules/@wazo/sdk, installing it into the cache when missing; `{ skip }` with
 * the reason when neither is possible (no registry inside the lab's namespace, say).
 */
export function ensureSdk({ install = true } = {}) {
  const dir = process.env.WAZO_SDK_DIR || cacheDir;
  if (fs.existsSync(path.join(sdkPackage(dir), 'package.json'))) return { dir };
  if (process.env.WAZO_SDK_DIR) return { skip: `WAZO_SDK_DIR=${dir} has no node_modules/@wazo/sdk` };
  if (!install) return { skip: `not installed in ${path.relative(root, cacheDir)} (run node bench/wazo/sdk.mjs --install with registry access)` };
  fs.mkdirSync(dir, { recursive: true });
  // getstats is a git dependency of the SDK (wazo-platform/getStats#1.0.7); the registry's 1.2.0 is the
  // same library, and it keeps the install registry-only
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'wazo-sdk-bench', private: true, overrides: { getstats: '1.2.0' } }, null, 2)}\n`);
  const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev', '--loglevel=error', `@wazo/sdk@${SDK_VERSION}`],
    { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0 || !fs.existsSync(path.join(sdkPackage(dir), 'package.json'))) {
    const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`;
    return { skip: `npm install @wazo/sdk@${SDK_VERSION} failed: ${why}` };
  }
  return { dir };
}

/** the SDK's version and its ES entry bundled into one browser script, minified like our builds */
export async function bundleSdk(dir) {
  const pkgDir = sdkPackage(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const bundle = await rollup({
    input: path.join(pkgDir, pkg.exports?.import ?? pkg.module ?? pkg.main),
    plugins: [packageJsonFields, nodeResolve({ browser: true, preferBuiltins: false, rootDir: dir }), commonjs({ requireReturnsDefault: 'auto' })],
    onwarn: () => undefined,
  });
  try {
    const { output } = await bundle.generate({ format: 'iife', name: 'Wazo', exports: 'named', plugins: [terser(MINIFY_OPTIONS)] });
    return { version: pkg.version, code: output[0].code, modules: output[0].modules };
  } finally {
    await bundle.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--install')) {
  const r = ensureSdk();
  console.log(r.dir ? `@wazo/sdk ${SDK_VERSION} ready in ${path.relative(root, r.dir) || r.dir}` : `@wazo/sdk skipped: ${r.skip}`);
}
