// The legacy `ctid-ng/1.0` service (renamed calld in 2019). Only the two presence reads the seed lists
// under `calld` are kept; they exist nowhere else and answer only on old engines.

import type { ApiRequester } from '../http/api-requester';
import { route } from '../http/url';
import type { Raw, UUID } from './types';

export interface LegacyPresence extends Raw {
  presence?: string;
  user_uuid?: string;
  xivo_uuid?: string;
}

export default function ctidNgApi(client: ApiRequester, base: string) {
  return {
    getPresence(contactUuid: UUID): Promise<LegacyPresence> {
      return client.get(`${base}/${route`users/${contactUuid}/presences`}`);
    },

    getStatus(lineUuid: UUID | number): Promise<LegacyPresence> {
      return client.get(`${base}/${route`lines/${lineUuid}/presences`}`);
    },
  };
}

export type CtidNgApi = ReturnType<typeof ctidNgApi>;
