import type { VoicemailCounts } from '../catalogue/events';

/**
 * Classifies an out-of-dialog NOTIFY the way Kazoo's phones need it (see docs/notifications.md):
 * the body decides first, because Kazoo's overwrite NOTIFYs have reached phones as
 * `Event: message-summary` + `text/plain` (FreeSWITCH fills in a default Event); then any
 * RFC 3842 message-summary body, whichever header comes first (Kazoo ≤ 3.17 put `Message-Account`
 * first, later versions `Messages-Waiting`); anything else is unknown.
 */
export type NotifyClass =
  | { kind: 'overriding_registration'; contact: string }
  | { kind: 'replaced_registration'; contact: string }
  | { kind: 'voicemail_notification'; counts: VoicemailCounts }
  | { kind: 'unknown_notification' };

export interface NotifyInput {
  event?: string;
  contentType?: string;
  body: string;
}

export function classifyNotify({ contentType, body }: NotifyInput): NotifyClass {
  const text = body.replace(/^\s+/, '');
  const overwrite = /^(Overwrote|Replaced-By):\s*(.*)/i.exec(text);
  if (overwrite) {
    const kind = overwrite[1].toLowerCase() === 'overwrote' ? 'overriding_registration' : 'replaced_registration';
    return { kind, contact: bareContact(overwrite[2]) };
  }
  const counts = parseMessageSummary(body);
  if (counts) return { kind: 'voicemail_notification', counts };
  // a summary content type with an empty or odd body still says "voicemail state changed"; the Event
  // header alone does not (FreeSWITCH defaults it to message-summary for any NOTIFY)
  if (/^application\/simple-message-summary/i.test(contentType ?? '')) return { kind: 'voicemail_notification', counts: emptyCounts() };
  return { kind: 'unknown_notification' };
}

/** `"Name" <sip:a@b;x>`, `<sip:a@b>` or `sip:a@b` → `sip:a@b;x` (Kazoo 3.10–3.18 sent all three). */
function bareContact(value: string): string {
  const line = value.split(/\r?\n/)[0].trim();
  const angle = /<([^>]*)>/.exec(line);
  return (angle ? angle[1] : line.replace(/^"[^"]*"\s*/, '')).trim();
}

function emptyCounts(): VoicemailCounts {
  return { messagesWaiting: false, newMessages: 0, oldMessages: 0, urgentNewMessages: 0, urgentOldMessages: 0 };
}

/**
 * RFC 3842 body: `Messages-Waiting`, `Message-Account`, and `Voice-Message: new/old (urgentNew/urgentOld)`
 * lines in any order, any case, LF or CRLF. Returns null when no line of the format is present.
 */
export function parseMessageSummary(body: string): VoicemailCounts | null {
  const value = emptyCounts();
  let headerCount = 0;
  for (const raw of body.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z-]+)\s*:\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const name = m[1].toLowerCase();
    if (name === 'messages-waiting') {
      value.messagesWaiting = /^yes$/i.test(m[2]);
      headerCount++;
    } else if (name === 'message-account') {
      value.account = m[2];
      headerCount++;
    } else if (name === 'voice-message') {
      const c = /^(\d+)\s*\/\s*(\d+)(?:\s*\(\s*(\d+)\s*\/\s*(\d+)\s*\))?/.exec(m[2]);
      if (c) {
        value.newMessages = Number(c[1]);
        value.oldMessages = Number(c[2]);
        value.urgentNewMessages = Number(c[3] ?? 0);
        value.urgentOldMessages = Number(c[4] ?? 0);
        headerCount++;
      }
    }
  }
  return headerCount ? value : null;
}
