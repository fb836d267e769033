/**
 * Whether a CANCEL says the call was answered on another device of the user (RFC 3326 `Reason: SIP;
 * cause=200;text="Call completed elsewhere"`, or Asterisk's `Reason: Q.850;cause=26`): a Wazo phone
 * then tells the user the call was taken elsewhere, not missed.
 */
export function answeredElsewhere(cancel: { getHeaders?(name: string): string[] } | null | undefined): boolean {
  const reasons = cancel?.getHeaders?.('Reason') ?? [];
  return reasons.some((r) => /^\s*SIP\s*;\s*cause\s*=\s*200\b/i.test(r) || /^\s*Q\.850\s*;\s*cause\s*=\s*26\b/i.test(r));
}
