// IssueReporter: leveled, categorised logs, printed to the console and optionally shipped to fluentd.
// Differences from the original, on purpose: the global console is never hijacked (no double printing),
// the trailing object of a call is its `extra` (the original dropped the second argument), a record's own
// fields win over the configured `extra`, dates are UTC ISO strings, and every record is scrubbed of
// credentials before it leaves (the original shipped Basic auth headers, tokens and refresh tokens).

import { maskUrl, setDiagnosticsSink, type RequestRecord } from '../http/diagnostics';
import type { FetchLike } from '../http/types';
import { isObject, type JsonObject } from '../util/json';
import { FluentTransport } from './fluent-transport';
import { LEVEL_CONSTANTS, isLevel, levelRank, type Level } from './levels';
import { redactObject, redactString } from './redact';

export interface RemoteClientConfig {
  host?: string | null;
  port?: number | string | null;
  tag?: string;
  /** Minimum level shipped; nothing is shipped when unset. */
  level?: Level | null;
  /** Fields added to every shipped record. */
  extra?: JsonObject;
  /** Records per request (default 50). */
  bufferSize?: number;
  /** Longest wait before a partial batch leaves, in ms (default 2000). */
  bufferTimeout?: number;
  /** Longer messages are truncated (default 20 000 characters). */
  maxMessageSize?: number;
  /** Delay before the first retry of a failed batch, in ms (default 1000; doubles, capped at 30 s). */
  retryDelay?: number;
  /** Force https (otherwise only port 443 means https, as in the original). */
  https?: boolean;
  fetch?: FetchLike;
}

export type LogCallback = (level: Level, message: string) => void;

export type Logger = ((level: Level, ...args: unknown[]) => void) &
  typeof LEVEL_CONSTANTS & { [L in Level]: (...args: unknown[]) => void };

const DEFAULT_CONFIG: RemoteClientConfig = { tag: 'wazo-sdk', host: null, port: null, level: null, extra: {} };
const MAX_SECRETS = 16;
const CONSOLE: Record<Level, 'debug' | 'info' | 'log' | 'warn' | 'error'> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  log: 'log',
  warn: 'warn',
  error: 'error',
};

export class IssueReporter {
  readonly TRACE = LEVEL_CONSTANTS.TRACE;
  readonly DEBUG = LEVEL_CONSTANTS.DEBUG;
  readonly INFO = LEVEL_CONSTANTS.INFO;
  readonly LOG = LEVEL_CONSTANTS.LOG;
  readonly WARN = LEVEL_CONSTANTS.WARN;
  readonly ERROR = LEVEL_CONSTANTS.ERROR;

  enabled = false;
  consoleOutput = true;
  remoteClientConfig: RemoteClientConfig = { ...DEFAULT_CONFIG };
  private transport: FluentTransport | null = null;
  private callback: LogCallback | null = null;
  private readonly secrets: string[] = [];

  /** Starts recording (and HTTP request summaries). `console: false` keeps the console quiet. */
  enable(options: { console?: boolean } = {}): void {
    this.enabled = true;
    if (options.console !== undefined) this.consoleOutput = options.console;
    setDiagnosticsSink({
      request: (record) => this.logRequest(record),
      secret: (value) => this.addSecret(value),
    });
  }

  disable(): void {
    this.enabled = false;
    setDiagnosticsSink(null);
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /** Where to ship. With no argument, the defaults (nothing shipped). */
  configureRemoteClient(config: RemoteClientConfig = DEFAULT_CONFIG): void {
    void this.transport?.flush();
    this.remoteClientConfig = { ...DEFAULT_CONFIG, ...config };
    const { host, port, tag, https } = this.remoteClientConfig;
    this.transport = null;
    if (!host) return;
    const secure = https || String(port) === '443';
    const url = `${secure ? 'https' : 'http'}://${host}${port && String(port) !== '443' ? `:${port}` : ''}/${encodeURIComponent(tag || 'wazo-sdk')}`;
    this.transport = new FluentTransport({
      url,
      bufferSize: Math.max(1, config.bufferSize ?? 50),
      bufferTimeout: config.bufferTimeout ?? 2000,
      maxBufferedRecords: 1000,
      maxRetries: 5,
      retryDelay: config.retryDelay ?? 1000,
      requestTimeout: 10_000,
      fetch: config.fetch,
    });
  }

  setCallback(callback: LogCallback | null): void {
    this.callback = callback;
  }

  /** A value to scrub from every record (tokens are added automatically while enabled). */
  addSecret(value: string | null | undefined): void {
    if (!value || this.secrets.includes(value)) return;
    this.secrets.push(value);
    if (this.secrets.length > MAX_SECRETS) this.secrets.shift();
  }

  loggerFor(category: string): Logger {
    const logger = ((level: Level, ...args: unknown[]) => this.write(level, category, args)) as Logger;
    Object.assign(logger, LEVEL_CONSTANTS);
    for (const level of Object.values(LEVEL_CONSTANTS)) {
      logger[level] = (...args: unknown[]) => this.write(level, category, args);
    }
    return logger;
  }

  log(level: Level, ...args: unknown[]): void {
    this.write(level, null, args);
  }

  /** Resolves once everything logged so far was handed to fluentd (or given up on). */
  flush(): Promise<void> {
    return this.transport?.flush() ?? Promise.resolve();
  }

  logRequest(record: RequestRecord): void {
    const level: Level = record.status === null || record.status >= 500 ? 'error' : record.status >= 400 ? 'warn' : 'trace';
    const summary = `${record.method} ${maskUrl(record.url)} ${record.status ?? record.error ?? 'failed'} (${record.durationMs} ms)`;
    this.write(level, 'http', [summary, { status: record.status, method: record.method, duration: record.durationMs }]);
  }

  private write(level: Level, category: string | null, args: unknown[]): void {
    if (!this.enabled || !isLevel(level)) return;
    try {
      const rest = [...args];
      const last = rest[rest.length - 1];
      let extra: JsonObject = {};
      if (last instanceof Error) {
        rest.pop();
        extra = { errorMessage: last.message, errorStack: last.stack ?? '', errorType: last.name };
      } else if (isObject(last) && rest.length > 1) {
        rest.pop();
        extra = last;
      }
      this.print(level, category, rest, extra, extra.skipSendToRemote !== true);
    } catch {
      // Logging must never break the caller.
    }
  }

  private print(level: Level, category: string | null, args: unknown[], extra: JsonObject, ship: boolean): void {
    const message = redactString(args.map(stringify).join(', '), this.secrets);
    const safeExtra = redactObject(extra, this.secrets);
    if (this.consoleOutput) {
      const prefix = category ? `[${category}] ` : '';
      const suffix = Object.keys(safeExtra).length ? ` (${stringify(safeExtra)})` : '';
      console[CONSOLE[level]](`${prefix}${message}${suffix}`);
    }
    this.callback?.(level, message);
    if (!ship || !this.transport) return;
    const threshold = this.remoteClientConfig.level;
    if (!threshold || !isLevel(threshold) || levelRank(level) < levelRank(threshold)) return;
    const max = this.remoteClientConfig.maxMessageSize ?? 20_000;
    const { skipSendToRemote: _skip, ...fields } = safeExtra;
    this.transport.push({
      ...redactObject(this.remoteClientConfig.extra ?? {}, this.secrets),
      ...fields,
      level,
      date: new Date().toISOString(),
      message: message.length > max ? `${message.slice(0, max)}...` : message,
      category: category ?? 'default',
    });
  }
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The shared reporter (`Wazo.IssueReporter`). */
const issueReporter = new IssueReporter();
export default issueReporter;
