// The lab's HTTP helpers on the WebSocket port, same paths and reply formats as
// ../shared/lab/README.md, so tests and pages written for the lab work against this server too.
// Answered only for requests from the loopback interface.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MwiOrder } from './kazoo/bodies';
import type { BindingInfo } from './registrar';
import { normalizeAddress } from './transports/ws';

export interface HelperActions {
  domain: string;
  triggerMwi(user: string, newCount: number, oldCount: number, order: MwiOrder): number;
  notify(user: string, event: string): number;
  contacts(user: string): BindingInfo[];
  kick(user: string, mode: 'drop' | 1001): { removed: number; closed: number };
}

export function createHttpHelpers(actions: HelperActions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(body);
    };
    const from = normalizeAddress(req.socket.remoteAddress);
    if (from !== '::1' && !from.startsWith('127.')) return reply(403, 'forbidden\n');
    if (req.method !== 'GET') return reply(405, 'use GET\n');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (path === '/health') return reply(200, 'ok\n');
    if ((m = /^\/mwi\/([A-Za-z0-9._+-]+)\/(\d{1,6})\/(\d{1,6})$/.exec(path))) {
      const order: MwiOrder = url.searchParams.get('order') === 'legacy' ? 'legacy' : 'current';
      const sent = actions.triggerMwi(m[1], Number(m[2]), Number(m[3]), order);
      return reply(200, `mwi ${m[1]} ${m[2]}/${m[3]} order=${order} notified=${sent}\n`);
    }
    if ((m = /^\/notify\/([A-Za-z0-9._+-]+)\/([A-Za-z0-9.+_-]+)$/.exec(path))) {
      const sent = actions.notify(m[1], m[2]);
      return reply(200, `notify ${m[1]} ${m[2]} notified=${sent}\n`);
    }
    if ((m = /^\/contacts\/([A-Za-z0-9._+-]+)$/.exec(path))) {
      const list = actions.contacts(m[1]);
      const lines = list.map(
        (b) => `contact=${b.contact} received=sip:${b.received};transport=${b.transport} conid=${b.transport === 'ws' ? b.flowId : '-'} expires_in=${b.expiresIn} callid=${b.callId} instance=${b.instance ?? '-'} regid=${b.regId ?? '0'} ua=${b.userAgent ?? ''}\n`,
      );
      return reply(200, `aor=sip:${m[1]}@${actions.domain} count=${list.length} expired=0\n${lines.join('')}`);
    }
    if ((m = /^\/kick\/([A-Za-z0-9._+-]+)$/.exec(path))) {
      const mode = url.searchParams.get('code') === '1001' ? 1001 : 'drop';
      const r = actions.kick(m[1], mode);
      return reply(200, `kick ${m[1]} removed=${r.removed} closed=${r.closed} mode=${mode}\n`);
    }
    return reply(404, 'not found\n');
  };
}
