// Readers for JSON of unknown shape. Server payloads are `unknown` until a domain parser has looked at
// them; these helpers keep that boundary typed without `any` and tolerate missing fields.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return fallback;
}

export function strOrNull(value: unknown): string | null {
  const s = str(value, '');
  return s === '' && typeof value !== 'string' ? null : s;
}

export function num(value: unknown, fallback = 0): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}

export function numOrNull(value: unknown): number | null {
  const n = num(value, Number.NaN);
  return Number.isNaN(n) ? null : n;
}

export function bool(value: unknown): boolean {
  return value === true || value === 'true';
}

export function strings(value: unknown): string[] {
  return arr(value).filter((v): v is string => typeof v === 'string');
}

// Wazo services print UTC timestamps without a zone and with microseconds ("2024-05-01T10:00:00.123456");
// Date.parse would read those as local time, so the zone is forced to UTC.
export function utcDate(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : new Date(t);
  }
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  const zone = m[4] ?? 'Z';
  const t = Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`);
  return Number.isNaN(t) ? null : new Date(t);
}
