/**
 * Logging with secrets taken out. The engine registers every password it holds with redact(); each
 * line passes through the redaction before it reaches the sink, so no log ever shows one, whatever
 * object was stringified into it.
 */
export interface Logger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  redact(secret: string): void;
}

export type LogSink = (level: 'debug' | 'warn' | 'error', line: string) => void;

export function createLogger(sink: LogSink | null, debugEnabled: () => boolean): Logger {
  const secrets = new Set<string>();
  const clean = (line: string) => {
    let out = line;
    for (const s of secrets) out = out.split(s).join('***');
    return out;
  };
  const emit = (level: 'debug' | 'warn' | 'error', message: string) => {
    if (!sink || (level === 'debug' && !debugEnabled())) return;
    sink(level, clean(`[kazoo] ${message}`));
  };
  return {
    debug: (m) => emit('debug', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    redact: (secret) => { if (secret) secrets.add(secret); },
  };
}

export const consoleSink: LogSink = (level, line) => {
  // eslint-disable-next-line no-console
  (level === 'debug' ? console.debug : level === 'warn' ? console.warn : console.error)(line);
};
