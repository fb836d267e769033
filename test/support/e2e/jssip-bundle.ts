/**
 * Raw JsSIP as one browser script, for far-end pages that must share no code with the product: bundled
 * from node_modules with rollup (the plugins bench/webrtc-setup.mjs uses), not taken from dist/. Built once
 * per test process, in a child process (rollup is ESM-only), and kept in memory; no file is left behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './lab';

let script: string | null = null;

export function jssipBrowserScript(): string {
  if (script) return script;
  const out = path.join(os.tmpdir(), `kazoo-e2e-jssip-${process.pid}.js`);
  const entry = `${out}.entry.mjs`;
  fs.writeFileSync(entry, `import JsSIP from ${JSON.stringify(path.join(ROOT, 'node_modules/jssip/lib/JsSIP.js'))}; globalThis.JsSIP = JsSIP;\n`);
  const build = `
    import { rollup } from 'rollup';
    import { nodeResolve } from '@rollup/plugin-node-resolve';
    import commonjs from '@rollup/plugin-commonjs';
    import fs from 'node:fs';
    import { packageJsonFields } from ${JSON.stringify(path.join(ROOT, 'rollup.plugins.mjs'))};
    const b = await rollup({ input: ${JSON.stringify(entry)}, plugins: [packageJsonFields, nodeResolve({ browser: true, preferBuiltins: false }), commonjs()], onwarn: () => {} });
    const { output } = await b.generate({ format: 'iife' });
    fs.writeFileSync(${JSON.stringify(out)}, output[0].code);`;
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', build], { cwd: ROOT, timeout: 60_000, stdio: 'pipe' });
    script = fs.readFileSync(out, 'utf8');
  } finally {
    fs.rmSync(entry, { force: true });
    fs.rmSync(out, { force: true });
  }
  return script;
}
