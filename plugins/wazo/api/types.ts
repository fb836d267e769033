// Shapes of the JSON the services answer where the client hands it back untouched ("raw"), as in the
// original SDK. They describe the documented fields; anything else the server adds is kept.
import type { JsonObject } from '../util/json';

export type Raw = JsonObject;

export interface ListResponse<T = Raw> {
  items: T[];
  total?: number;
  filtered?: number;
  [key: string]: unknown;
}

export type UUID = string;
