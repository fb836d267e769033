/**
 * The house's import rules, read from the TypeScript and JavaScript sources (issue 11): arrows point down.
 *
 *   entries → src (engine + facade) → the Transport interface ← transports → protocol
 *   gateway → protocol        devstack → protocol        plugins → the package's public entries
 *
 * Each rule names the folders a product file may not import. Tests (`*.test.ts`, `test/`) may import
 * anything, and only they may import test support (`test/support/`, or any `test-support/`/`testing/`
 * folder should one reappear). Specifiers are read with TypeScript's own pre-processor (static imports,
 * `export … from`, `import()`, `require()`), so comments and strings are not mistaken for imports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';

/** where a file, or what a specifier points at, sits in the house */
export type Area =
  | 'engine' // src/
  | 'entries'
  | 'transports'
  | 'protocol'
  | 'gateway'
  | 'devstack'
  | 'plugins'
  | 'test-support'
  | 'tests' // test/ outside test/support, and every *.test.ts
  | 'builtin' // node:fs, fs…
  | 'npm' // any other bare specifier
  | 'other'; // bench/, demo/, fixtures/, the root's config files

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly rule: string;
  readonly message: string;
}

interface Rule {
  readonly id: string;
  /** the product files it governs */
  readonly appliesTo: Area;
  readonly forbidden: readonly Area[];
  readonly why: string;
}

const PRODUCT_AREAS: readonly Area[] = ['engine', 'entries', 'transports', 'protocol', 'gateway', 'devstack', 'plugins'];
const EVERYTHING_BUT: (...allowed: Area[]) => Area[] = (...allowed) =>
  (['engine', 'entries', 'transports', 'protocol', 'gateway', 'devstack', 'plugins', 'test-support', 'tests', 'other'] as Area[]).filter((a) => !allowed.includes(a));

export const RULES: readonly Rule[] = [
  { id: 'engine-stands-alone', appliesTo: 'engine', forbidden: ['entries', 'transports', 'gateway', 'devstack', 'plugins'], why: 'src/ (the engine and its facade) imports no entry, transport, gateway, dev server or plugin' },
  { id: 'protocol-imports-nothing-above', appliesTo: 'protocol', forbidden: EVERYTHING_BUT('protocol'), why: 'protocol/ imports only protocol/, Node builtins and npm packages' },
  { id: 'transports-below-entries', appliesTo: 'transports', forbidden: ['entries', 'gateway', 'devstack', 'plugins'], why: 'transports/ import no entry, gateway, dev server or plugin' },
  { id: 'gateway-on-protocol', appliesTo: 'gateway', forbidden: ['engine', 'entries', 'transports', 'devstack', 'plugins'], why: 'the gateway stands on protocol/ only (no engine, transport, dev server or plugin code)' },
  { id: 'devstack-on-protocol', appliesTo: 'devstack', forbidden: ['engine', 'entries', 'transports', 'plugins'], why: 'the dev stack stands on protocol/ (and runs the gateway), never on the engine or a transport' },
  { id: 'plugins-use-public-entries', appliesTo: 'plugins', forbidden: ['engine', 'transports', 'protocol', 'gateway', 'devstack'], why: 'plugins/ use the package through its public entries only' },
];

/** rules between folders of one area */
interface FolderRule {
  readonly id: string;
  readonly from: string;
  readonly forbidden: readonly string[];
  readonly why: string;
}

export const FOLDER_RULES: readonly FolderRule[] = [
  { id: 'media-below-adapter', from: 'transports/rtmp/media/', forbidden: ['transports/rtmp/adapter/'], why: "the RTMP media (browser, Node) sit below the adapter: what they share with it lives in media/" },
];

export const TEST_SUPPORT_RULE = 'no-test-support-in-product';

const toPosix = (p: string): string => p.split(path.sep).join('/');

const isTestFile = (repoPath: string): boolean => /\.test\.[cm]?[jt]s$/.test(repoPath);

/** the area of a repository-relative path (a file, or the file a relative specifier points at) */
export function areaOf(repoPath: string): Area {
  const p = toPosix(repoPath);
  const segments = p.split('/');
  if (p.startsWith('test/support/') || segments.some((s) => s === 'test-support' || s === 'testing')) return 'test-support';
  if (p.startsWith('test/') || isTestFile(p)) return 'tests';
  const top: Record<string, Area> = {
    src: 'engine', entries: 'entries', transports: 'transports', protocol: 'protocol', gateway: 'gateway', devstack: 'devstack', plugins: 'plugins',
  };
  return segments.length > 1 ? top[segments[0]] ?? 'other' : 'other';
}

const BUILTINS = new Set(builtinModules);

/** the repository-relative path a relative specifier points at (null for a bare specifier) */
function resolveRelative(file: string, specifier: string): string | null {
  return specifier.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(toPosix(file)), specifier)) : null;
}

/** the area a specifier written in `file` points at */
export function targetArea(file: string, specifier: string): Area {
  const target = resolveRelative(file, specifier);
  if (target !== null) return areaOf(target);
  if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0])) return 'builtin';
  // the package's own name resolves to its public entries
  if (specifier === 'kazoo-js' || specifier.startsWith('kazoo-js/')) return 'entries';
  return 'npm';
}

/** every module specifier in a source text: imports, `export … from`, `import()`, `require()` */
export function specifiersOf(sourceText: string): string[] {
  return ts.preProcessFile(sourceText, true, true).importedFiles.map((f) => f.fileName);
}

/** the rules one import breaks (empty: it is allowed) */
export function checkImport(file: string, specifier: string): Violation[] {
  const from = areaOf(file);
  if (!PRODUCT_AREAS.includes(from)) return [];
  const to = targetArea(file, specifier);
  if (to === 'test-support' || to === 'tests') {
    return [{ file, specifier, rule: TEST_SUPPORT_RULE, message: 'a product file imports test support or a test' }];
  }
  const broken = RULES.filter((rule) => rule.appliesTo === from && rule.forbidden.includes(to)).map((rule) => ({ file, specifier, rule: rule.id, message: rule.why }));
  const target = resolveRelative(file, specifier);
  for (const rule of FOLDER_RULES) {
    if (target !== null && toPosix(file).startsWith(rule.from) && rule.forbidden.some((folder) => target.startsWith(folder))) {
      broken.push({ file, specifier, rule: rule.id, message: rule.why });
    }
  }
  return broken;
}

/** the rules a source file breaks; `file` is repository-relative */
export function checkSource(file: string, sourceText: string): Violation[] {
  return specifiersOf(sourceText).flatMap((specifier) => checkImport(file, specifier));
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', '.git']);

/** every source file under the product folders of `root`, repository-relative */
export function productSources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(rel);
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push(rel);
      }
    }
  };
  for (const top of ['src', 'entries', 'transports', 'protocol', 'gateway', 'devstack', 'plugins']) {
    if (fs.existsSync(path.join(root, top))) walk(top);
  }
  return out.sort();
}

export function checkRepository(root: string): Violation[] {
  return productSources(root).flatMap((file) => checkSource(file, fs.readFileSync(path.join(root, file), 'utf8')));
}
