// Node module hooks that let the dev SIP server run from its TypeScript source with no build step:
// `.ts` files are transpiled on load with the project's `typescript` (types are checked by
// `npm run typecheck`, not here), and extensionless relative imports inside them resolve to `.ts`
// (the source uses extensionless imports so ts-jest and tsc accept it too).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent && parent.endsWith('.ts') && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    const base = new URL(specifier, parent);
    // `import packageJson from '../package.json'` (TypeScript's resolveJsonModule): a JSON module for Node
    if (specifier.endsWith('.json')) return { url: base.href, importAttributes: { type: 'json' }, shortCircuit: true };
    for (const candidate of [`${base.href}.ts`, `${base.href}/index.ts`]) {
      if (existsSync(fileURLToPath(candidate))) return { url: candidate, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const out = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
