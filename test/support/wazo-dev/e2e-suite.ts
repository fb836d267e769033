// The set-up an e2e file on the Wazo dev engine shares: one engine + Chromium for the file (WazoPages),
// a spec-checked fetch for the Node-side Wazo clients (no exchange may violate the OpenAPI specs), and
// websocketd users recording their call events; pages and users closed after each test.

import { WazoPages } from '../e2e/wazo-pages';
import { specCheckedFetch, type SpecCheckedFetch } from './spec-fetch';
import { eventUser, type EventUser } from './websocketd-user';

export interface WazoE2e {
  readonly pages: WazoPages;
  readonly specs: SpecCheckedFetch;
  /** `name` logged in from Node, its websocketd events recorded (closed after the test) */
  user(name: string): Promise<EventUser>;
}

/** installs the file's jest hooks; the returned object is usable from the tests on */
export function wazoE2e(): WazoE2e {
  let pages: WazoPages | undefined;
  let specs: SpecCheckedFetch | undefined;
  const users: EventUser[] = [];
  beforeAll(async () => {
    pages = await WazoPages.start();
    specs = specCheckedFetch(pages.info.certificate);
  });
  afterEach(async () => {
    await pages?.closePages();
    for (const u of users.splice(0)) u.ws.close(true);
    expect(specs?.violations()).toEqual([]);
  });
  afterAll(async () => { await pages?.close(); });
  return {
    get pages() { return pages!; },
    get specs() { return specs!; },
    async user(name) {
      const u = await eventUser(pages!.server, pages!.info.certificate, specs!, name);
      users.push(u);
      return u;
    },
  };
}
