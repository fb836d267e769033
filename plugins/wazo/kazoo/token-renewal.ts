// Renews the Wazo token before it expires, so REST calls and websocketd (which wazo closes with 4003 when
// the token it holds expires) go on for as long as the plugin is logged in. Renewal is the Simple API's
// own (Wazo.Auth.forceRefreshToken: the refresh token of the login, then the new token installed in the
// REST client, the session and websocketd); this module only decides when.

/** renew at this share of the token's remaining life */
const RENEW_AT = 0.8;
/** never sooner than this (a clock far off, a token already expired), ms */
const MIN_DELAY_MS = 1000;
/** setTimeout's largest delay */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface TokenRenewalDependencies {
  /** when the current token expires (null: unknown, nothing to schedule) */
  expiresAt(): Date | null;
  /** renews now; resolves with the new token, or null when there is no refresh token */
  renew(): Promise<string | null>;
  /** a renewal failed; `expired` when the token can no longer be used */
  onFailure(error: unknown, expired: boolean): void;
  now?: () => number;
}

export class TokenRenewal {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;

  constructor(private readonly deps: TokenRenewalDependencies) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private remaining(): number | null {
    const at = this.deps.expiresAt();
    return at ? at.getTime() - (this.deps.now ?? Date.now)() : null;
  }

  private schedule(): void {
    const remaining = this.remaining();
    if (!this.running || remaining === null) return;
    const delay = Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, remaining * RENEW_AT));
    this.timer = setTimeout(() => void this.renew(), delay);
  }

  private async renew(): Promise<void> {
    this.timer = null;
    try {
      const token = await this.deps.renew();
      if (!this.running) return;
      if (token !== null) return this.schedule();
      // nothing to renew with: say so once, the token expires at its time
      this.running = false;
      this.deps.onFailure(new Error('no refresh token: log in with a clientId to have the token renewed'), false);
    } catch (error) {
      if (!this.running) return;
      const remaining = this.remaining() ?? 0;
      this.deps.onFailure(error, remaining <= MIN_DELAY_MS);
      // still valid for a while: one more try halfway to the expiry
      if (remaining > MIN_DELAY_MS) this.timer = setTimeout(() => void this.renew(), remaining / 2);
    }
  }
}
