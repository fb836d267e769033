/**
 * The REGISTER side of one session (RFC 3261 §10): register with the user's own digest credentials,
 * refresh before expiry, un-REGISTER on close. A failed registration is what makes the gateway refuse
 * the RTMP connect.
 */
import { authorizedRetry, DigestSecret } from './digest-client';
import { SipRequest, SipResponse } from '../protocol/sip/message';
import { token } from '../protocol/sip/builder';
import { HostPort, SipUa } from './sip-ua';

export interface RegistrationOptions {
  readonly aor: string;
  readonly realm: string;
  readonly displayName: string;
  readonly contact: string;
  readonly server: HostPort;
  readonly secret: DigestSecret;
  readonly expiresSec: number;
  readonly onLost?: (status: string) => void;
}

export type RegisterOutcome = { readonly ok: true } | { readonly ok: false; readonly status: string };

export class Registration {
  private readonly callId = `kzgw-reg-${token(10)}`;
  private readonly fromTag = token(6);
  private cseq = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private registered = false;
  private stopped = false;

  constructor(
    private readonly ua: SipUa,
    private readonly options: RegistrationOptions,
  ) {}

  get isRegistered(): boolean {
    return this.registered;
  }

  async register(): Promise<RegisterOutcome> {
    const response = await this.send(this.options.expiresSec);
    if (response.status < 200 || response.status >= 300) {
      this.registered = false;
      return { ok: false, status: `${response.status} ${response.reason}` };
    }
    this.registered = true;
    this.scheduleRefresh(grantedExpires(response, this.options.contact, this.options.expiresSec));
    return { ok: true };
  }

  /** Un-REGISTER (Expires 0), waiting at most for the transaction. */
  async unregister(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
    if (!this.registered) return;
    this.registered = false;
    await this.send(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
  }

  private scheduleRefresh(expiresSec: number): void {
    clearTimeout(this.refreshTimer);
    if (this.stopped) return;
    // Refresh a little early, never more often than every 5 s.
    const delay = Math.max(5, Math.min(expiresSec - 5, Math.floor(expiresSec * 0.9))) * 1000;
    this.refreshTimer = setTimeout(() => {
      void this.register().then((outcome) => {
        if (!outcome.ok && !this.stopped) this.options.onLost?.(outcome.status);
      });
    }, delay);
    this.refreshTimer.unref();
  }

  private async send(expires: number): Promise<SipResponse> {
    const o = this.options;
    let request = this.build(expires);
    let response = await this.ua.request(request, o.server);
    for (let attempt = 0; attempt < 2 && (response.status === 401 || response.status === 407); attempt++) {
      const retry = authorizedRetry(request, response, o.secret);
      if (!retry) break;
      request = retry;
      this.cseq = request.core.cseq;
      response = await this.ua.request(request, o.server);
    }
    return response;
  }

  private build(expires: number): SipRequest {
    const o = this.options;
    return this.ua.messages.createRequest({
      method: 'REGISTER',
      uri: `sip:${o.realm}`,
      via: this.ua.viaBase,
      from: `<${o.aor}>;tag=${this.fromTag}`,
      to: `<${o.aor}>`,
      callId: this.callId,
      cseq: ++this.cseq,
      headers: [
        ['Contact', `<${o.contact}>;expires=${expires}`],
        ['Expires', String(expires)],
        ['Allow', 'INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS, INFO'],
      ],
    });
  }
}

function grantedExpires(response: SipResponse, contact: string, fallback: number): number {
  for (const value of response.getAll('contact')) {
    if (value.includes(contact)) {
      const m = /;\s*expires=(\d+)/i.exec(value);
      if (m) return Number(m[1]);
    }
  }
  const header = Number(response.get('expires'));
  return Number.isFinite(header) && header > 0 ? header : fallback;
}
