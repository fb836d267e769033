// wazo-chatd (`chatd/1.0`): presences and chat rooms.

import type { ApiRequester } from '../http/api-requester';
import { successResponseParser } from '../http/parse';
import { route } from '../http/url';
import { ChatMessage, ChatRoom, type ChatUser } from '../domain/chat';
import { Profile } from '../domain/profile';
import { arr, obj, str } from '../util/json';
import type { ListResponse, Raw, UUID } from './types';

export interface Presence extends Raw {
  uuid?: string;
  state?: string;
  status?: string;
  line_state?: string;
  lines?: Array<{ id?: number; state?: string }>;
}

export interface GetMessagesOptions {
  direction?: 'asc' | 'desc';
  limit?: number;
  order?: string;
  offset?: number;
  search?: string;
  distinct?: string;
}

export interface RoomMessagesOptions {
  from_date?: string | Date;
  direction?: 'asc' | 'desc';
  limit?: number;
  order?: string;
  offset?: number;
  search?: string;
}

export interface OutgoingChatMessage {
  content: string;
  alias?: string;
  sender_identity_uuid?: string;
}

/** chatd's `users/presences` takes the uuid list in the query; long lists are split to keep URLs short. */
export const PRESENCE_BATCH_SIZE = 30;

export default function chatdApi(client: ApiRequester, base: string) {
  const presence = (uuid: UUID) => `${base}/${route`users/${uuid}/presences`}`;
  const ok = successResponseParser;

  const api = {
    getContactStatusInfo(contactUuid: UUID): Promise<Presence> {
      return client.get(presence(contactUuid));
    },

    async getState(contactUuid: UUID): Promise<string> {
      return str((await api.getContactStatusInfo(contactUuid)).state);
    },

    async getLineState(contactUuid: UUID): Promise<string> {
      return Profile.getLinesState((await api.getContactStatusInfo(contactUuid)).lines);
    },

    /** Presences of many users (all visible users when the list is empty). */
    async getMultipleLineState(contactUuids?: UUID[] | null): Promise<Presence[]> {
      const uuids = contactUuids ?? [];
      const batches: Array<UUID[] | null> = [];
      for (let i = 0; i < uuids.length; i += PRESENCE_BATCH_SIZE) batches.push(uuids.slice(i, i + PRESENCE_BATCH_SIZE));
      if (!batches.length) batches.push(null);
      const pages = await Promise.all(
        batches.map((batch) => client.get<ListResponse<Presence>>(`${base}/users/presences`, batch ? { user_uuid: batch } : null)),
      );
      return pages.flatMap((page) => arr(obj(page).items) as Presence[]);
    },

    async getUserRooms(): Promise<ChatRoom[]> {
      return ChatRoom.parseMany(await client.get(`${base}/users/me/rooms`));
    },

    updateState(contactUuid: UUID, state: string): Promise<boolean> {
      return client.put(presence(contactUuid), { state }, null, ok);
    },

    updateStatus(contactUuid: UUID, state: string, status: string): Promise<boolean> {
      return client.put(presence(contactUuid), { state, status }, null, ok);
    },

    async createRoom(name: string, users: ChatUser[]): Promise<ChatRoom> {
      return ChatRoom.parse(await client.post(`${base}/users/me/rooms`, { name, users }));
    },

    async getRoomMessages(roomUuid: UUID, params: RoomMessagesOptions | null = null): Promise<ChatMessage[]> {
      return ChatMessage.parseMany(await client.get(`${base}/${route`users/me/rooms/${roomUuid}/messages`}`, params ? { ...params } : null));
    },

    /** Posts `{content, alias, sender_identity_uuid}`; other fields of a ChatMessage are not sent. */
    async sendRoomMessage(roomUuid: UUID, message: OutgoingChatMessage | ChatMessage): Promise<ChatMessage> {
      const m = message as OutgoingChatMessage;
      const body: Record<string, unknown> = { content: m.content };
      if (m.alias) body.alias = m.alias;
      if (m.sender_identity_uuid) body.sender_identity_uuid = m.sender_identity_uuid;
      return ChatMessage.parse(await client.post(`${base}/${route`users/me/rooms/${roomUuid}/messages`}`, body));
    },

    getMessages(options: GetMessagesOptions = {}): Promise<ListResponse> {
      return client.get(`${base}/users/me/rooms/messages`, { ...options });
    },
  };
  return api;
}

export type ChatdApi = ReturnType<typeof chatdApi>;
