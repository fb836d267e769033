import { arr, bool, obj, str, strOrNull, type JsonObject } from '../util/json';

export const BACKEND = {
  OFFICE365: 'office365',
  PERSONAL: 'personal',
  GOOGLE: 'google',
  WAZO: 'wazo',
  CONFERENCE: 'conference',
  PHONEBOOK: 'phonebook',
} as const;

export interface LabelledNumber {
  label?: string;
  number: string;
}

export interface LabelledEmail {
  label?: string;
  email: string;
}

/** What `dird.addContact`/`editContact` take (camelCase or dird's own names). */
export interface NewContact {
  firstName?: string;
  lastName?: string;
  firstname?: string;
  lastname?: string;
  phoneNumber?: string;
  number?: string;
  email?: string;
  entreprise?: string;
  birthday?: string;
  address?: string;
  note?: string;
}

/** A directory entry: dird lookup/favorites results or a personal contact. */
export class Contact {
  static BACKEND = BACKEND;

  type = 'Contact' as const;
  id: string | null;
  uuid: string | null;
  name: string;
  firstName: string;
  lastName: string;
  number: string;
  numbers: LabelledNumber[];
  email: string;
  emails: LabelledEmail[];
  favorited: boolean;
  personal: boolean;
  entreprise: string;
  birthday: string;
  address: string;
  note: string;
  endpointId: number | null;
  source: string;
  sourceId: string;
  backend: string;

  constructor(init: Partial<Omit<Contact, 'type'>> = {}) {
    this.id = init.id ?? null;
    this.uuid = init.uuid ?? null;
    this.name = init.name ?? '';
    this.firstName = init.firstName ?? '';
    this.lastName = init.lastName ?? '';
    this.number = init.number ?? '';
    this.numbers = init.numbers ?? [];
    this.email = init.email ?? '';
    this.emails = init.emails ?? [];
    this.favorited = init.favorited ?? false;
    this.personal = init.personal ?? false;
    this.entreprise = init.entreprise ?? '';
    this.birthday = init.birthday ?? '';
    this.address = init.address ?? '';
    this.note = init.note ?? '';
    this.endpointId = init.endpointId ?? null;
    this.source = init.source ?? '';
    this.sourceId = init.sourceId ?? '';
    this.backend = init.backend ?? '';
  }

  /** One result of a lookup (`{column_values, relations, source, backend}`), read through `column_types`. */
  static parse(plain: unknown, columns: ReadonlyArray<string | null>): Contact {
    const o = obj(plain);
    const values = arr(o.column_values);
    const column = (name: string): unknown => {
      const index = columns.indexOf(name);
      return index >= 0 ? values[index] : undefined;
    };
    const numbers = columns
      .map((type, index) => ({ type, value: values[index] }))
      .filter(({ type, value }) => (type === 'number' || type === 'callable') && value !== null && value !== undefined && value !== '')
      .map(({ value }, i) => ({ label: i === 0 ? 'primary' : 'secondary', number: str(value) }));
    const relations = obj(o.relations);
    const email = str(column('email'));
    const endpointId = relations.endpoint_id;
    return new Contact({
      name: str(column('name')),
      firstName: str(column('firstname')),
      lastName: str(column('lastname')),
      number: numbers[0]?.number ?? '',
      numbers,
      email,
      emails: email ? [{ label: 'primary', email }] : [],
      favorited: bool(column('favorite')),
      personal: bool(column('personal')),
      entreprise: str(column('entreprise')),
      birthday: str(column('birthday')),
      address: str(column('address')),
      note: str(column('note')),
      endpointId: typeof endpointId === 'number' ? endpointId : endpointId ? Number(endpointId) || null : null,
      source: str(o.source),
      sourceId: str(relations.source_entry_id),
      uuid: strOrNull(relations.user_uuid),
      backend: str(o.backend),
    });
  }

  /**
   * All results of a lookup. `offset`/`limit` page through them client-side: `limit` is a count (the
   * original used it as an end index), and `limit === 0` returns nothing, as asked.
   */
  static parseMany(response: unknown, offset = 0, limit: number | null = null): Contact[] {
    const o = obj(response);
    const columns = arr(o.column_types).map((c) => (typeof c === 'string' ? c : null));
    const start = Math.max(0, offset);
    const results = arr(o.results).slice(start, limit === null ? undefined : start + Math.max(0, limit));
    return results.map((r) => Contact.parse(r, columns));
  }

  /** A personal contact (dird `personal`). */
  static parsePersonal(plain: unknown): Contact {
    const o = obj(plain);
    const firstName = str(o.firstName) || str(o.firstname);
    const lastName = str(o.lastName) || str(o.lastname);
    const number = str(o.number);
    const email = str(o.email);
    return new Contact({
      name: `${firstName} ${lastName}`.trim(),
      firstName,
      lastName,
      number,
      numbers: number ? [{ label: 'primary', number }] : [],
      email,
      emails: email ? [{ label: 'primary', email }] : [],
      source: BACKEND.PERSONAL,
      sourceId: str(o.id),
      entreprise: str(o.entreprise),
      birthday: str(o.birthday),
      address: str(o.address),
      note: str(o.note),
      favorited: bool(o.favorited),
      personal: true,
      backend: str(o.backend) || BACKEND.PERSONAL,
    });
  }

  static parseManyPersonal(items: unknown): Contact[] {
    return arr(items).map(Contact.parsePersonal);
  }

  /** The body dird stores for a personal contact; blank fields are left out rather than sent as ''. */
  static toPersonalBody(contact: NewContact | Contact): JsonObject {
    const c = contact as NewContact & Partial<Contact>;
    const body: JsonObject = {
      firstname: c.firstName || c.firstname || '',
      lastname: c.lastName || c.lastname || '',
      number: c.phoneNumber || c.number || '',
      email: c.email || '',
      entreprise: c.entreprise || '',
      birthday: c.birthday || '',
      address: c.address || '',
      note: c.note || '',
    };
    for (const key of Object.keys(body)) if (body[key] === '') delete body[key];
    return body;
  }

  is(other: Contact): boolean {
    return !!other && this.sourceId === other.sourceId && (this.uuid === null || this.uuid === other.uuid);
  }

  separateName(): { firstName: string; lastName: string } {
    if (this.firstName || this.lastName) return { firstName: this.firstName, lastName: this.lastName };
    const [firstName = '', ...rest] = this.name.split(' ');
    return { firstName, lastName: rest.join(' ') };
  }
}
