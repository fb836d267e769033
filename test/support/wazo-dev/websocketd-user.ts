// A demo user of the Wazo dev engine seen from Node as an application sees it: logged in through the
// spec-checked Wazo client (its REST calls validated against the OpenAPI specs), with a websocketd
// session recording the user's call events.

import { WazoApiClient } from '../../../plugins/wazo/api/wazo-api-client';
import { WebSocketClient } from '../../../plugins/wazo/websocket/websocket-client';
import { sleep } from '../e2e/browser';
import type { SpecCheckedFetch } from './spec-fetch';

export interface CallEvent {
  name: string;
  data: { call_id: string; sip_call_id: string; user_uuid: string; on_hold: boolean; is_caller: boolean; talking_to: Record<string, string>; status: string };
}

export interface EventUser { name: string; uuid: string; client: WazoApiClient; ws: WebSocketClient; events: CallEvent[] }

export const CALL_EVENTS = ['call_created', 'call_answered', 'call_updated', 'call_held', 'call_resumed', 'call_ended'];

/** `name` logged in on the engine at `server`, its websocketd session (every event) initialized */
export async function eventUser(server: string, certificate: string, specs: SpecCheckedFetch, name: string): Promise<EventUser> {
  const client = new WazoApiClient({ server, fetch: specs.fetch, requestTimeout: 5000 });
  const session = (await client.auth.logIn({ username: name, password: `secret${name}` }))!;
  client.setToken(session.token);
  const ws = new WebSocketClient({ host: server, token: session.token, events: ['*'], version: 2, session: { uuid: session.uuid } }, { wsOptions: { ca: certificate } });
  const u: EventUser = { name, uuid: session.uuid!, client, ws, events: [] };
  for (const n of CALL_EVENTS) ws.on(n, (e: unknown) => u.events.push(e as CallEvent));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`websocketd for ${name} not initialized within 5 s`)), 5000);
    ws.on('initialized', () => { clearTimeout(timer); resolve(); });
  });
  ws.connect();
  await ready;
  return u;
}

/** the first `name` event of `u` for the leg `sipCallId` that passes `test` (bounded by `timeout`) */
export async function waitEvent(u: EventUser, name: string, sipCallId: string, timeout = 10_000, test: (e: CallEvent) => boolean = () => true): Promise<CallEvent> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const hit = u.events.find((e) => e.name === name && e.data.sip_call_id === sipCallId && test(e));
    if (hit) return hit;
    if (Date.now() > deadline) {
      throw new Error(`[${u.name}] no matching ${name} for ${sipCallId} within ${timeout} ms; got ${JSON.stringify(u.events.map((e) => [e.name, e.data.sip_call_id, e.data.talking_to]))}`);
    }
    await sleep(50);
  }
}
