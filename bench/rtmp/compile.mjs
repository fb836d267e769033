// Transpiles TypeScript folders of the repository (tests excluded) to CommonJS in a temp dir with the
// repository's layout, so plain Node and its child processes can load them; node_modules is symlinked in
// so `ws` and `jssip` resolve.
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** `dirs` relative to the repository root; `load('a/b.js')` requires out/a/b.js */
export function compileTree(root, dirs) {
  const require = createRequire(join(root, 'package.json'));
  const ts = require('typescript');
  const out = mkdtempSync(join(tmpdir(), 'kazoo-bench-'));
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
  for (const dir of dirs) walk(join(root, dir));
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  // gateway/agent.ts reads the version; CommonJS, whatever the repository's own type is
  const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(join(out, 'package.json'), JSON.stringify({ name, version, type: 'commonjs' }));
  const req = createRequire(join(out, 'package.json'));
  return { out, load: (path) => req(join(out, path)) };
}

/** folders of protocol/ (`['rtmp', 'audio']`); `load('audio/g711.js')` */
export function compileProtocol(root, dirs) {
  const { out, load } = compileTree(root, dirs.map((d) => join('protocol', d)));
  return { out, load: (path) => load(join('protocol', path)) };
}

/** the gateway and the protocol code it stands on */
export const compileGateway = (root) => compileTree(root, ['gateway', 'protocol']);
