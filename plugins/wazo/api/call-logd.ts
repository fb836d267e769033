// wazo-call-logd (`call-logd/1.0`): the user's call history. `offset=0` is sent as is.

import type { ApiRequester } from '../http/api-requester';
import { CallLog } from '../domain/call-log';

export default function callLogdApi(client: ApiRequester, base: string) {
  const cdr = async (query: Record<string, string | number | Date | undefined>) =>
    CallLog.parseMany(await client.get(`${base}/users/me/cdr`, query));

  return {
    search(search: string, limit = 5): Promise<CallLog[]> {
      return cdr({ search, limit });
    },

    listCallLogs(offset?: number | null, limit = 5): Promise<CallLog[]> {
      return cdr({ offset: offset ?? undefined, limit });
    },

    listCallLogsFromDate(from: Date, number: string): Promise<CallLog[]> {
      return cdr({ from, number });
    },
  };
}

export type CallLogdApi = ReturnType<typeof callLogdApi>;
