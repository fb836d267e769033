import { classifyNotify, parseMessageSummary } from './notify';

const crlf = (...lines: string[]) => lines.join('\r\n');

describe('NOTIFY classification (the body decides first)', () => {
  test('Kazoo overwrite NOTIFYs, whatever the Event header says', () => {
    expect(classifyNotify({ event: 'registration-overwrite', contentType: 'text/plain', body: 'Overwrote:sip:abc@x.invalid;transport=ws' }))
      .toEqual({ kind: 'overriding_registration', contact: 'sip:abc@x.invalid;transport=ws' });
    // FreeSWITCH fills in Event: message-summary when Kazoo's event-str is ignored
    expect(classifyNotify({ event: 'message-summary', contentType: 'text/plain', body: 'Replaced-By:sip:new@y.invalid' }))
      .toEqual({ kind: 'replaced_registration', contact: 'sip:new@y.invalid' });
    // Kazoo 3.10–3.18 copied the stored contact verbatim: display name and brackets
    expect(classifyNotify({ body: 'Replaced-By:"Desk" <sip:new@y.invalid;ob>' })).toEqual({ kind: 'replaced_registration', contact: 'sip:new@y.invalid;ob' });
  });

  test('MWI in both header orders', () => {
    const current = crlf('Messages-Waiting: yes', 'Message-Account: sip:*97@lab.test', 'Voice-Message: 2/8 (0/0)', '');
    const legacy = crlf('Message-Account: sip:1002@lab.test', 'Messages-Waiting: yes', 'Voice-Message: 3/9 (1/2)', '', '');
    expect(classifyNotify({ event: 'message-summary', contentType: 'application/simple-message-summary', body: current })).toEqual({
      kind: 'voicemail_notification',
      counts: { messagesWaiting: true, account: 'sip:*97@lab.test', newMessages: 2, oldMessages: 8, urgentNewMessages: 0, urgentOldMessages: 0 },
    });
    expect(classifyNotify({ body: legacy })).toEqual({
      kind: 'voicemail_notification',
      counts: { messagesWaiting: true, account: 'sip:1002@lab.test', newMessages: 3, oldMessages: 9, urgentNewMessages: 1, urgentOldMessages: 2 },
    });
  });

  test('Messages-Waiting: no is still a voicemail notification (a box emptied)', () => {
    const c = parseMessageSummary('messages-waiting: no\nvoice-message: 0/4\n');
    expect(c).toMatchObject({ messagesWaiting: false, newMessages: 0, oldMessages: 4 });
  });

  test('a summary content type with an empty body is voicemail; anything else is unknown', () => {
    expect(classifyNotify({ contentType: 'application/simple-message-summary', body: '' }).kind).toBe('voicemail_notification');
    expect(classifyNotify({ event: 'check-sync', contentType: 'text/plain', body: 'hello' }).kind).toBe('unknown_notification');
    expect(classifyNotify({ event: 'message-summary', contentType: 'text/plain', body: 'something' }).kind).toBe('unknown_notification');
    expect(classifyNotify({ body: '' }).kind).toBe('unknown_notification');
  });
});
