// Transpiles transports/rtmp (all of it) and devstack/sip-server (the SIP helpers the gateway imports) to
// CommonJS in a temp dir with the repository layout, so plain Node (and child processes) can load the gateway.
// node_modules is symlinked into the temp dir so `ws` and `jssip` resolve. Tests excluded.
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export function compileGateway(root) {
  const require = createRequire(join(root, 'package.json'));
  const ts = require('typescript');
  const out = mkdtempSync(join(tmpdir(), 'kazoo-gw-bench-'));
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true };
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        const target = join(out, relative(root, path)).replace(/\.ts$/, '.js');
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, ts.transpileModule(readFileSync(path, 'utf8'), { compilerOptions: options, fileName: path }).outputText);
      }
    }
  };
  walk(join(root, 'transports', 'rtmp'));
  walk(join(root, 'devstack', 'sip-server'));
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  const req = createRequire(join(out, 'package.json'));
  return { out, load: (path) => req(join(out, path)) };
}
