// The exact NOTIFY bodies Kazoo sends and the legacy kazoo.js library recognises
// (../shared/research/kazoo-legacy.md §6, and the lab's Kamailio which reproduces them).

/** 'current' = Messages-Waiting first (Kazoo ≥ 3.18, RFC 3842 order); 'legacy' = 2014 Kazoo, Message-Account first. */
export type MwiOrder = 'current' | 'legacy';

/**
 * registration-overwrite (ecallmgr_fs_notify:register_overwrite/2): no space after the colon, no
 * trailing CRLF, the bare contact URI (Kazoo ≥ 3.19 normalises to `sip:user@host:port;params`).
 */
export function overwriteBodies(oldContact: string, newContact: string): { toOld: string; toNew: string } {
  return { toOld: `Replaced-By:${newContact}`, toNew: `Overwrote:${oldContact}` };
}

export interface MwiCounts {
  newCount: number;
  oldCount: number;
  urgentNew?: number;
  urgentOld?: number;
}

/**
 * RFC 3842 message-summary. Line ends are CRLF. The legacy (Kazoo ≤ 3.17) body ends with an empty
 * line; the current one ends after Voice-Message, as the lab sends it.
 */
export function mwiBody(account: string, counts: MwiCounts, order: MwiOrder): string {
  const waiting = `Messages-Waiting: ${counts.newCount > 0 ? 'yes' : 'no'}`;
  const acct = `Message-Account: ${account}`;
  const voice = `Voice-Message: ${counts.newCount}/${counts.oldCount} (${counts.urgentNew ?? 0}/${counts.urgentOld ?? 0})`;
  return order === 'legacy' ? `${acct}\r\n${waiting}\r\n${voice}\r\n\r\n` : `${waiting}\r\n${acct}\r\n${voice}\r\n`;
}

export const OVERWRITE_EVENT = 'registration-overwrite';
export const MWI_EVENT = 'message-summary';
export const MWI_CONTENT_TYPE = 'application/simple-message-summary';
