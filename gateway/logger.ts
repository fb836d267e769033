/** Levelled one-line logging; the gateway never passes a password to it (connect args are not logged). */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';
export type LogSink = (line: string) => void;

export interface Logger {
  error(text: string): void;
  warn(text: string): void;
  info(text: string): void;
  debug(text: string): void;
}

const ORDER: Readonly<Record<LogLevel, number>> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}

export function createLogger(level: LogLevel, sink: LogSink = (line) => process.stderr.write(`${line}\n`)): Logger {
  const at = (name: Exclude<LogLevel, 'silent'>) => (text: string): void => {
    if (ORDER[name] <= ORDER[level]) sink(`${new Date().toISOString()} ${name} ${text.replace(/[\r\n]+/g, ' ').slice(0, 2000)}`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
