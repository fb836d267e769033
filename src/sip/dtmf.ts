/** RFC 4733 events a phone keypad can send: the 2014 list (0-9 * #) plus the A–D column. */
export function isDtmfTone(tone: string): boolean {
  return /^[0-9*#A-Da-d]$/.test(tone);
}
