// wazo-confd (`confd/1.1`): the user's configuration.

import type { ApiRequester } from '../http/api-requester';
import { route } from '../http/url';
import { Profile } from '../domain/profile';
import { SipLine } from '../domain/sip-line';
import type { ListResponse, UUID } from './types';

export interface EngineInfos {
  uuid: string;
  wazo_version: string;
  [key: string]: unknown;
}

export default function confdApi(client: ApiRequester, base: string) {
  const api = {
    listUsers(): Promise<ListResponse> {
      return client.get(`${base}/users`);
    },

    async getUser(userUuid: UUID): Promise<Profile> {
      return Profile.parse(await client.get(`${base}/${route`users/${userUuid}`}`));
    },

    /** The SIP endpoint of one of the user's lines, in the merged view (credentials included). */
    async getUserLineSip(userUuid: UUID, lineId: number | string): Promise<SipLine> {
      const path = `${base}/${route`users/${userUuid}/lines/${lineId}/associated/endpoints/sip`}`;
      return SipLine.parse(await client.get(path, { view: 'merged' }));
    },

    /** Every line's SIP endpoint; a line without one (SCCP, custom) gives null instead of failing all. */
    getUserLinesSip(userUuid: UUID, lineIds: Array<number | string>): Promise<Array<SipLine | null>> {
      return Promise.all(lineIds.map((id) => api.getUserLineSip(userUuid, id).catch(() => null)));
    },

    listApplications(): Promise<ListResponse> {
      return client.get(`${base}/applications`);
    },

    getInfos(): Promise<EngineInfos> {
      return client.get(`${base}/infos`);
    },
  };
  return api;
}

export type ConfdApi = ReturnType<typeof confdApi>;
