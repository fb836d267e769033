// Log levels, lowest first. A record ships when its rank reaches the remote client's `level`.
export const LEVELS = ['trace', 'debug', 'info', 'log', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_CONSTANTS = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  LOG: 'log',
  WARN: 'warn',
  ERROR: 'error',
} as const satisfies Record<string, Level>;

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}
