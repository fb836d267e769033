import { arr, obj, str, strOrNull, type JsonObject } from '../util/json';

/** A chat message (chatd `users/me/rooms/{uuid}/messages`, legacy calld `users/me/chats`). */
export class ChatMessage {
  type = 'ChatMessage' as const;
  uuid: string;
  date: Date;
  content: string;
  alias: string;
  userUuid: string;
  roomUuid: string | null;
  read: boolean;

  constructor(init: Partial<ChatMessage> & { uuid: string }) {
    this.uuid = init.uuid;
    this.date = init.date ?? new Date(0);
    this.content = init.content ?? '';
    this.alias = init.alias ?? '';
    this.userUuid = init.userUuid ?? '';
    this.roomUuid = init.roomUuid ?? null;
    this.read = init.read ?? true;
  }

  static parse(plain: unknown): ChatMessage {
    const o = obj(plain);
    const created = Date.parse(str(o.created_at) || str(o.date));
    return new ChatMessage({
      uuid: str(o.uuid),
      date: new Date(Number.isNaN(created) ? 0 : created),
      content: str(o.content) || str(o.msg),
      alias: str(o.alias),
      userUuid: str(o.user_uuid) || str(o.source_user_uuid),
      roomUuid: strOrNull(obj(o.room).uuid),
      read: true,
    });
  }

  static parseMany(plain: unknown): ChatMessage[] {
    return arr(obj(plain).items).map(ChatMessage.parse);
  }
}

export interface ChatUser {
  uuid: string;
  tenant_uuid?: string;
  wazo_uuid?: string;
  identity?: string;
}

/** A chat room (chatd `users/me/rooms`). */
export class ChatRoom {
  type = 'ChatRoom' as const;
  uuid: string;
  name: string;
  users: ChatUser[];
  messages: ChatMessage[];

  constructor(init: { uuid: string; name?: string; users?: ChatUser[]; messages?: ChatMessage[] }) {
    this.uuid = init.uuid;
    this.name = init.name ?? '';
    this.users = init.users ?? [];
    this.messages = init.messages ?? [];
  }

  static parse(plain: unknown): ChatRoom {
    const o = obj(plain);
    return new ChatRoom({
      uuid: str(o.uuid),
      name: str(o.name),
      users: arr(o.users).map((u): ChatUser => {
        const x: JsonObject = obj(u);
        return { ...x, uuid: str(x.uuid) } as ChatUser;
      }),
    });
  }

  static parseMany(plain: unknown): ChatRoom[] {
    return arr(obj(plain).items).map(ChatRoom.parse);
  }
}
