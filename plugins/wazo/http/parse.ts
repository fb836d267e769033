// Response parsers. Unlike the original, the default parser returns what the server sent: arrays stay
// arrays, no `_headers` is injected, and an empty answer (204, or an empty 200) is `null` instead of a
// JSON SyntaxError.

import type { ResponseParser } from './types';

export async function readBody(response: Response, isJson: boolean): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  if (!isJson) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** JSON when the server says JSON, text otherwise, `null` for an empty body. */
export const defaultParser: ResponseParser<unknown> = (response, isJson) => readBody(response, isJson);

/** For calls whose answer carries no data: `true` for any 2xx (errors are thrown before parsing). */
export const successResponseParser: ResponseParser<boolean> = (response) => response.status >= 200 && response.status < 300;
