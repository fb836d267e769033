import { arr, num, obj, str } from '../util/json';

export interface VoicemailFolder {
  id: number;
  name: string;
  type: string;
}

/**
 * A voicemail message (calld `users/me/voicemails`). Every folder is read (the original kept only `new`
 * and `old` and threw when one was missing); messages in `new` and `urgent` are unread.
 */
export class Voicemail {
  id: string;
  date: Date;
  duration: number;
  caller: { name: string; number: string };
  unread: boolean;
  folder: VoicemailFolder | null;

  constructor(init: { id: string; date: Date; duration: number; caller: { name: string; number: string }; unread: boolean; folder?: VoicemailFolder | null }) {
    this.id = init.id;
    this.date = init.date;
    this.duration = init.duration;
    this.caller = init.caller;
    this.unread = init.unread;
    this.folder = init.folder ?? null;
  }

  static parse(plain: unknown, folder: VoicemailFolder | null = null): Voicemail {
    const o = obj(plain);
    const folderType = folder?.type ?? str(obj(o.folder).type);
    return new Voicemail({
      id: str(o.id),
      date: new Date(num(o.timestamp) * 1000),
      duration: num(o.duration) * 1000,
      caller: { name: str(o.caller_id_name), number: str(o.caller_id_num) },
      unread: folderType === 'new' || folderType === 'urgent',
      folder,
    });
  }

  static parseMany(plain: unknown): Voicemail[] {
    return arr(obj(plain).folders).flatMap((f) => {
      const o = obj(f);
      const folder = { id: num(o.id), name: str(o.name), type: str(o.type) };
      return arr(o.messages).map((m) => Voicemail.parse(m, folder));
    });
  }

  acknowledge(): Voicemail {
    this.unread = false;
    return this;
  }
}
