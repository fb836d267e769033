// Transpiles transports/rtmp/<dirs> (tests excluded) to CommonJS in a temp dir, so plain Node can load them.
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export function compileRtmp(root, dirs) {
  const require = createRequire(join(root, 'package.json'));
  const ts = require('typescript');
  const base = join(root, 'transports', 'rtmp');
  const out = mkdtempSync(join(tmpdir(), 'kazoo-rtmp-bench-'));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const target = join(out, relative(base, path)).replace(/\.ts$/, '.js');
        mkdirSync(dirname(target), { recursive: true });
        const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true };
        writeFileSync(target, ts.transpileModule(readFileSync(path, 'utf8'), { compilerOptions: options }).outputText);
      }
    }
  };
  for (const dir of dirs) walk(join(base, dir));
  return { out, load: (path) => require(join(out, path)) };
}
