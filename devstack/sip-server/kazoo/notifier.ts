// Out-of-dialog NOTIFYs to a registered device, the way Kazoo's ecallmgr sends them through
// FreeSWITCH: Request-URI = the registered contact, From = To = the user's AOR (no To-tag, so JsSIP
// reports a `sipEvent`), Subscription-State: terminated;reason=noresource.

import { originate, type ServerContext } from '../context';
import type { Binding } from '../registrar';
import { token } from '../../../protocol/sip/builder';
import { createRequest } from '../messages';
import { overwriteBodies, OVERWRITE_EVENT } from './bodies';

export interface NotifySpec {
  event: string;
  contentType: string;
  body: string;
  extraHeaders?: ReadonlyArray<readonly [string, string]>;
}

export function aorOf(ctx: ServerContext, binding: Binding): string {
  return `sip:${binding.user}@${binding.aorDomain || ctx.domain}`;
}

export function notifyBinding(ctx: ServerContext, binding: Binding, spec: NotifySpec): boolean {
  if (!binding.flow.isOpen()) return false;
  const aor = aorOf(ctx, binding);
  const txn = originate(ctx, binding.flow, (via, branch) =>
    createRequest({
      method: 'NOTIFY',
      uri: binding.contact,
      via,
      branch,
      from: `<${aor}>;tag=${token(6)}`,
      to: `<${aor}>`,
      callId: `kzdev-notify-${token(10)}`,
      cseq: 1,
      headers: [
        ['Contact', ctx.local.contact('voicemail', binding.flow.transport)],
        ['Event', spec.event],
        ['Subscription-State', 'terminated;reason=noresource'],
        ['Content-Type', spec.contentType],
        ...(spec.extraHeaders ?? []),
      ],
      body: spec.body,
    }),
  );
  return txn !== undefined;
}

/** Kazoo's two registration-overwrite NOTIFYs for one displaced binding. */
export function sendOverwriteNotifies(ctx: ServerContext, oldBinding: Binding, newBinding: Binding): void {
  const bodies = overwriteBodies(oldBinding.contact, newBinding.contact);
  const base = { event: OVERWRITE_EVENT, contentType: 'text/plain' };
  notifyBinding(ctx, oldBinding, { ...base, body: bodies.toOld });
  notifyBinding(ctx, newBinding, { ...base, body: bodies.toNew });
  ctx.logger.info(`registration-overwrite for ${newBinding.user}: <${oldBinding.contact}> replaced by <${newBinding.contact}>`);
  ctx.events.emit('overwrite', { user: newBinding.user, oldContact: oldBinding.contact, newContact: newBinding.contact });
}
