// TextEncoder/TextDecoder are globals in browsers, workers and Node: no Buffer needed.
const encoder = new TextEncoder();
// Not `fatal`: a peer's bad UTF-8 becomes U+FFFD rather than a dropped command.
const decoder = new TextDecoder('utf-8');

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
