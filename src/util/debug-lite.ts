/**
 * A small stand-in for the `debug` package inside the global build: JsSIP logs through `debug`, and
 * the real package costs ~2 KB gzip of the script old pages load. Same surface JsSIP uses:
 * `debug(namespace)` → logger with `.log` and `.enabled`, `debug.enable(patterns)`, `.disable()`,
 * `.enabled(name)`, `.default`; `%s %d %o %O %j` substitution.
 */
type Logger = ((...args: unknown[]) => void) & { log: (...a: unknown[]) => void; readonly enabled: boolean; namespace: string };
interface Debug {
  (namespace: string): Logger;
  enable(patterns: string): void;
  disable(): string;
  enabled(name: string): boolean;
  default: Debug;
}

let patterns: { re: RegExp; skip: boolean }[] = [];
let current = '';

function enabled(name: string): boolean {
  let on = false;
  for (const p of patterns) if (p.re.test(name)) on = !p.skip;
  return on;
}

function format(args: unknown[]): unknown[] {
  if (typeof args[0] !== 'string') return args;
  let i = 1;
  const text = args[0].replace(/%([sdoOj%])/g, (m, c: string) => {
    if (c === '%') return '%';
    if (i >= args.length) return m;
    const v = args[i++];
    if (c === 'd') return String(Number(v));
    if (c === 's') return String(v);
    try { return typeof v === 'string' ? v : JSON.stringify(v); } catch { return String(v); }
  });
  return [text, ...args.slice(i)];
}

const debug = ((namespace: string) => {
  const logger = ((...args: unknown[]) => {
    if (!enabled(namespace)) return;
    const [first, ...rest] = format(args);
    logger.log(`${namespace} ${String(first)}`, ...rest);
  }) as Logger;
  logger.namespace = namespace;
  // eslint-disable-next-line no-console
  logger.log = console.debug.bind(console);
  Object.defineProperty(logger, 'enabled', { get: () => enabled(namespace) });
  return logger;
}) as Debug;

debug.enable = (list: string) => {
  current = list;
  patterns = list.split(/[\s,]+/).filter(Boolean).map((p) => {
    const skip = p.startsWith('-');
    const body = (skip ? p.slice(1) : p).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?');
    return { re: new RegExp(`^${body}$`), skip };
  });
};
debug.disable = () => {
  const was = current;
  debug.enable('');
  return was;
};
debug.enabled = enabled;
debug.default = debug;

export default debug;
