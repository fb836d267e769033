// wazo-dird (`dird/0.1`): directory lookups, favorites and personal contacts.

import type { ApiRequester } from '../http/api-requester';
import { successResponseParser } from '../http/parse';
import type { QueryParams } from '../http/types';
import { route } from '../http/url';
import { Contact, type NewContact } from '../domain/contact';
import { obj } from '../util/json';

export default function dirdApi(client: ApiRequester, base: string) {
  return {
    /** Looks `term` up in every source of the profile `context`. Paging is client-side, as dird has none here. */
    async search(context: string, term: string, offset = 0, limit: number | null = null): Promise<Contact[]> {
      const response = await client.get(`${base}/${route`directories/lookup/${context}`}`, { term });
      return Contact.parseMany(response, offset, limit);
    },

    async listPersonalContacts(queryParams: QueryParams | null = null): Promise<Contact[]> {
      const response = await client.get(`${base}/personal`, queryParams);
      return Contact.parseManyPersonal(obj(response).items);
    },

    async addContact(newContact: NewContact | Contact): Promise<Contact> {
      return Contact.parsePersonal(await client.post(`${base}/personal`, Contact.toPersonalBody(newContact)));
    },

    async editContact(contact: NewContact | Contact): Promise<Contact> {
      const c = contact as Partial<Contact>;
      const id = c.sourceId || c.id || '';
      return Contact.parsePersonal(await client.put(`${base}/${route`personal/${id}`}`, Contact.toPersonalBody(contact)));
    },

    deleteContact(contactUuid: string): Promise<boolean> {
      return client.delete(`${base}/${route`personal/${contactUuid}`}`, null, null, successResponseParser);
    },

    async listFavorites(context: string): Promise<Contact[]> {
      return Contact.parseMany(await client.get(`${base}/${route`directories/favorites/${context}`}`));
    },

    markAsFavorite(source: string, sourceId: string): Promise<boolean> {
      return client.put(`${base}/${route`directories/favorites/${source}/${sourceId}`}`, null, null, successResponseParser);
    },

    removeFavorite(source: string, sourceId: string): Promise<boolean> {
      return client.delete(`${base}/${route`directories/favorites/${source}/${sourceId}`}`, null, null, successResponseParser);
    },
  };
}

export type DirdApi = ReturnType<typeof dirdApi>;
