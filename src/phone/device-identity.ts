/**
 * One `+sip.instance` and one Contact per device and address, reused by every (re)registration, so the
 * registrar replaces the device's binding instead of piling up stale ones (JsSIP would pick new random
 * ones for every UA object). "Device" is the browser tab: sessionStorage survives reloads of the tab
 * but is not shared with another tab, which registers as a device of its own.
 */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface DeviceIdentity {
  instanceId: string;
  contactUri: string;
}

export function deviceIdentity(aor: string, store: KeyValueStore | null): DeviceIdentity {
  const key = `kazoo-js:device:${aor}`;
  try {
    const saved = store?.getItem(key);
    if (saved) {
      const parsed = JSON.parse(saved) as Partial<DeviceIdentity>;
      if (typeof parsed.instanceId === 'string' && typeof parsed.contactUri === 'string') {
        return { instanceId: parsed.instanceId, contactUri: parsed.contactUri };
      }
    }
  } catch { /* storage refused (privacy mode) or corrupt: make a new identity */ }
  const fresh = { instanceId: uuid(), contactUri: `sip:${token(8)}@${token(12)}.invalid;transport=ws` };
  try { store?.setItem(key, JSON.stringify(fresh)); } catch { /* keep it for this page only */ }
  return fresh;
}

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < n; i++) bytes[i] = Math.floor(Math.random() * 256);
  return bytes;
}

/** RFC 4122 version 4 UUID (crypto.randomUUID exists only in secure contexts). */
function uuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function token(n: number): string {
  return Array.from(randomBytes(n), (x) => 'abcdefghijklmnopqrstuvwxyz0123456789'[x % 36]).join('');
}
