// Leveled logger whose every line goes through redaction: the issue requires that passwords never
// appear in the logs, whatever a client puts in a header. Two layers: known secrets (every user's
// password and HA1, registered by the user directory) are replaced wherever they occur, and digest
// credentials (response=, cnonce=, nonce=) are masked in any SIP text that is logged.

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug', 'trace'];

export type LogSink = (line: string, level: Exclude<LogLevel, 'silent'>) => void;

export interface Logger {
  readonly level: LogLevel;
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  trace(msg: string): void;
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /** Register a value that must never be printed (a password, an HA1). */
  addSecret(secret: string): void;
}

const MASK = '***';
// Digest parameters that reveal or let one replay a credential.
const DIGEST_PARAM = /\b(response|cnonce|nonce|password|ha1)\s*=\s*("[^"]*"|[^,;\s\r\n]+)/gi;

export function redact(text: string, secrets: ReadonlySet<string>): string {
  let out = text.replace(DIGEST_PARAM, (_m, name: string) => `${name}="${MASK}"`);
  for (const s of secrets) if (s.length >= 3 && out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/** A SIP message for a trace line: text, cut after `max` bytes (a 128 KiB frame is not a log line). */
export function preview(data: Buffer, max = 8192): string {
  const text = data.subarray(0, max).toString('utf8');
  return data.length > max ? `${text}... [${data.length - max} more bytes]` : text;
}

export function defaultSink(line: string, level: Exclude<LogLevel, 'silent'>): void {
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
}

export function createLogger(level: LogLevel = 'info', sink: LogSink = defaultSink, prefix = 'kazoo-dev-sip'): Logger {
  const rank = LOG_LEVELS.indexOf(level);
  const secrets = new Set<string>();
  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string): void => {
    if (LOG_LEVELS.indexOf(lvl) > rank || rank === 0) return;
    sink(`${new Date().toISOString()} ${prefix} ${lvl.padEnd(5)} ${redact(msg, secrets)}`, lvl);
  };
  return {
    level,
    error: (m) => write('error', m),
    warn: (m) => write('warn', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
    trace: (m) => write('trace', m),
    enabled: (lvl) => rank !== 0 && LOG_LEVELS.indexOf(lvl) <= rank,
    addSecret: (s) => {
      if (s) secrets.add(s);
    },
  };
}
