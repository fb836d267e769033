// The engine calling a phone itself, as Asterisk dials a channel (calld originate, a transfer's
// recipient): a dialog of its own toward the user (engine Call-ID and tag), and an INVITE forked to
// every registered device of the user — the first 2xx wins, the other devices get the "completed
// elsewhere" CANCEL. The INVITE usually carries no SDP (RFC 3725 flow I): the phone's 2xx has the offer.

import { contactUriText, sipToken, type SipAgent, type SipResponse } from '../sip-server';
import { ackInLeg, createRequest, ENGINE_CONTACT_USER, SDP_TYPE, sendInLeg } from './call-control';
import type { WazoDirectory, WazoUser } from './directory';
import type { LegDialog } from './leg-ids';
import { ANSWERED_ELSEWHERE } from './sip-behaviour';

/** A new dialog between the engine and `phone`, in which the engine speaks as `peer`. */
export function engineDialog(directory: WazoDirectory, domain: string, phone: WazoUser, peer: WazoUser): LegDialog {
  return {
    callId: `${sipToken(12)}@wazo-dev`,
    localHeader: `<sip:${phone.extension}@${domain}>`,
    remoteHeader: `"${directory.displayName(peer)}" <sip:${peer.extension}@${domain}>;tag=${sipToken(6)}`,
    target: undefined, lastCseq: 0, cseqShift: 0,
  };
}

export interface Ringing {
  /** CSeq of the INVITE: its ACK carries it. */
  readonly cseq: number;
  /** Stop the devices still ringing (CANCEL); a 2xx that crosses it is acknowledged and hung up. */
  cancel(): void;
}

export interface RingHandlers {
  /** The first device answered: `dialog` now reaches it (To-tag, Contact); ACK with `ackInLeg`. */
  answered(res: SipResponse): void;
  /** Every device said no, timed out or went away. */
  failed(): void;
}

/** INVITE every device in `devices` on `dialog`; undefined when none could be reached. */
export function ringDevices(
  agent: SipAgent, dialog: LegDialog, devices: string[], body: Buffer,
  headers: ReadonlyArray<readonly [string, string]>, on: RingHandlers,
): Ringing | undefined {
  const cseq = (dialog.lastCseq += 1);
  const branches: Array<{ cancel(h?: ReadonlyArray<readonly [string, string]>): void; pending: boolean }> = [];
  let state: 'ringing' | 'answered' | 'cancelled' | 'failed' = 'ringing';
  const failedBranch = (): void => {
    if (state !== 'ringing' || branches.some((t) => t.pending)) return;
    state = 'failed';
    on.failed();
  };
  for (const device of devices) {
    const txn = agent.send(device, (uri, via, branch) => createRequest({
      method: 'INVITE', uri, via, branch, from: dialog.remoteHeader, to: dialog.localHeader, callId: dialog.callId, cseq,
      headers: [['Contact', agent.contact(ENGINE_CONTACT_USER)], ...headers, ...(body.length ? SDP_TYPE : [])],
      body,
    }), {
      onResponse: (res) => {
        if (res.status < 200) return;
        if (res.status >= 300) return failedBranch();
        if (state === 'answered') return;
        dialog.localHeader = res.get('to') ?? dialog.localHeader;
        dialog.target = contactUriText(res.get('contact') ?? '');
        if (state !== 'ringing') {
          // answered while being cancelled (or after the others failed): the call is not wanted any more
          ackInLeg(agent, dialog, cseq);
          sendInLeg(agent, dialog, { method: 'BYE' });
          return;
        }
        state = 'answered';
        for (const other of branches) if (other !== txn && other.pending) other.cancel(ANSWERED_ELSEWHERE);
        on.answered(res);
      },
      onTimeout: (t) => {
        t.cancel();
        failedBranch();
      },
      onFlowFailure: failedBranch,
    });
    if (txn) branches.push(txn);
  }
  if (branches.length === 0) return undefined;
  return {
    cseq,
    cancel() {
      if (state !== 'ringing') return;
      state = 'cancelled';
      for (const t of branches) if (t.pending) t.cancel();
    },
  };
}
