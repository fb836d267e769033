import type { Clock } from '../../protocol/clock';

/**
 * After the phone's WebSocket was replaced, the far end still sends in-dialog requests (BYE, re-INVITE,
 * NOTIFY) to the dialog's remote target: our Contact as the proxy saw it on the OLD connection (with a
 * plain registrar, nathelper's `;alias=ip~port~ws`; RFC 3261 §12.2: the route set never changes). A
 * target refresh over the new connection — a re-INVITE, whose Contact the proxy aliases to the new
 * connection — moves the dialog there. The same re-INVITE tells us whether the far end still has the
 * call: 481/408 means it ended while we were offline (JsSIP then ends the session: no ghost call).
 *
 * When the media path is down too (ICE disconnected/failed: the network changed under the call) the
 * re-INVITE restarts ICE (RFC 8445 §9) so that new candidates are gathered and checked.
 *
 * JsSIP's public renegotiate() ends the call on ANY non-2xx answer; a refresh that is refused (e.g. 488
 * from a far end that dislikes re-INVITEs) leaves the session as it was (RFC 3261 §14.1), so the
 * re-INVITE is sent with our own outcome handlers and a refused offer is rolled back.
 *
 * After a server restart the proxy has lost its state: the far end's Contact may point at a connection
 * that is gone (477 from Kamailio), or the far end has not re-registered yet (404/480 from a GRUU
 * lookup). Those answers are about the path, not the dialog: `unreachable`, and the caller tries again
 * (jssip-call.ts). Only 481/408 say the dialog is gone (RFC 3261 §12.2.1.2; JsSIP ends the session).
 * The path is asked first with an in-dialog OPTIONS (RFC 3261 §12.2.1.1 allows it; it changes nothing
 * in the dialog): only an OPTIONS that reached the far end is followed by the re-INVITE. A re-INVITE
 * that fails costs a rollback of the offer, and Chromium's rollback of a re-offer resets the ICE
 * transport (iceConnectionState 'new', outbound packet count back to 0): the audio stopped until the
 * next successful offer, ~4 s after a Kamailio restart (measured). The probe costs one round trip.
 */
export type RefreshOutcome =
  /** 2xx: the far end's requests now reach the new connection */
  | 'refreshed'
  /** a non-2xx other than 481/408 that a retry will not change (488, 405…): the call goes on as before */
  | 'refused'
  /** the proxy could not reach the far end now (UNREACHABLE_STATUS): the call goes on; worth a retry */
  | 'unreachable'
  /** the session ended (481/408 from the far end, a BYE that crossed, a timeout) */
  | 'ended'
  /** another offer/answer kept the dialog busy for longer than waitMs: not sent */
  | 'busy';

interface ReinviteHandlers {
  succeeded?: (response?: unknown) => void;
  failed?: (response?: { status_code?: number } | null) => void;
}

interface InDialogHandlers {
  onSuccessResponse?: (response: { status_code: number }) => void;
  onErrorResponse?: (response: { status_code: number }) => void;
  onRequestTimeout?: () => void;
  onTransportError?: () => void;
  onDialogError?: (response?: { status_code: number }) => void;
}

export interface RefreshableSession {
  isEstablished(): boolean;
  isEnded(): boolean;
  isReadyToReOffer(): boolean;
  readonly connection: RTCPeerConnection | null;
  once(event: 'ended' | 'failed', fn: () => void): unknown;
  off(event: 'ended' | 'failed', fn: () => void): unknown;
  /** an in-dialog request (its handlers decide what an answer means) */
  sendRequest(method: 'OPTIONS', options: { eventHandlers: InDialogHandlers }): unknown;
  /** JsSIP: ends the session after a 408/481 to an in-dialog request */
  onDialogError(): void;
  /** JsSIP 3.13's private re-INVITE sender (renegotiate() without its terminate-on-failure) */
  _sendReinvite(options: { eventHandlers: ReinviteHandlers; rtcOfferConstraints?: RTCOfferOptions | null; extraHeaders?: string[] }): void;
}

export interface RefreshOptions {
  clock: Clock;
  /** how long to wait for a pending offer/answer (ours or the far end's) to finish first */
  waitMs?: number;
  /** poll step while waiting */
  stepMs?: number;
  /** restart ICE even though the connection's ICE state looks fine (ice-restart.ts: the media stopped) */
  iceRestart?: boolean;
}

/**
 * Answers about the path to the far end, not the dialog: the next hop's connection is gone (477), the
 * far end is not registered (again) yet (404, 480), the server is still starting or overloaded (5xx).
 */
export const UNREACHABLE_STATUS: ReadonlySet<number> = new Set([404, 477, 480, 500, 502, 503, 504]);

/** whether the media path needs an ICE restart rather than a plain target refresh */
export function mediaPathDown(pc: RTCPeerConnection | null): boolean {
  if (!pc) return false;
  return pc.iceConnectionState === 'disconnected' || pc.iceConnectionState === 'failed'
    || pc.connectionState === 'disconnected' || pc.connectionState === 'failed';
}

export function refreshDialog(session: RefreshableSession, o: RefreshOptions): Promise<RefreshOutcome> {
  const waitMs = o.waitMs ?? 3000;
  const stepMs = o.stepMs ?? 100;
  return new Promise((resolve) => {
    let settled = false;
    let timer: unknown = null;
    const onEnded = () => finish('ended');
    function finish(outcome: RefreshOutcome): void {
      if (settled) return;
      settled = true;
      if (timer !== null) o.clock.clearTimeout(timer);
      session.off('ended', onEnded);
      session.off('failed', onEnded);
      resolve(outcome);
    }
    if (session.isEnded()) return finish('ended');
    session.once('ended', onEnded);
    session.once('failed', onEnded);
    const started = o.clock.now();
    const attempt = () => {
      timer = null;
      if (settled) return;
      if (session.isEnded()) return finish('ended');
      if (!session.isEstablished() || !session.isReadyToReOffer()) {
        if (o.clock.now() - started >= waitMs) return finish('busy');
        timer = o.clock.setTimeout(attempt, stepMs);
        return;
      }
      // only an OPTIONS that reached the far end is worth an offer (see above)
      let asked = false;
      const answered = (status: number) => {
        if (asked) return;
        asked = true;
        if (session.isEnded()) finish('ended');
        else if (UNREACHABLE_STATUS.has(status)) finish('unreachable');
        else reinvite();
      };
      session.sendRequest('OPTIONS', {
        eventHandlers: {
          onSuccessResponse: (r) => answered(r.status_code),
          onErrorResponse: (r) => answered(r.status_code),
          // the connection went again, or no answer at all: nothing reached anyone
          onTransportError: () => answered(503),
          onRequestTimeout: () => answered(504),
          // 408/481: the dialog is gone (RFC 3261 §12.2.1.2); JsSIP's own handler ends the session
          onDialogError: () => {
            session.onDialogError();
            finish('ended');
          },
        },
      });
    };
    const reinvite = () => {
      const pc = session.connection;
      session._sendReinvite({
        rtcOfferConstraints: o.iceRestart || mediaPathDown(pc) ? { iceRestart: true } : null,
        eventHandlers: {
          succeeded: () => finish('refreshed'),
          failed: (response) => {
            // the offer was never answered: back to the negotiated state, so later offers work
            if (pc && pc.signalingState === 'have-local-offer') {
              void pc.setLocalDescription({ type: 'rollback' } as RTCSessionDescriptionInit).catch(() => undefined);
            }
            const status = response?.status_code;
            if (session.isEnded()) finish('ended');
            else finish(status !== undefined && UNREACHABLE_STATUS.has(status) ? 'unreachable' : 'refused');
          },
        },
      });
    };
    attempt();
  });
}
