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
 * or 500 from a far end that dislikes re-INVITEs) leaves the session as it was (RFC 3261 §14.1), so the
 * re-INVITE is sent with our own outcome handlers and a refused offer is rolled back.
 */
export type RefreshOutcome =
  /** 2xx: the far end's requests now reach the new connection */
  | 'refreshed'
  /** a non-2xx other than 481/408: the call goes on as before */
  | 'refused'
  /** the session ended (481/408 from the far end, a BYE that crossed, a timeout) */
  | 'ended'
  /** another offer/answer kept the dialog busy for longer than waitMs: not sent */
  | 'busy';

interface ReinviteHandlers {
  succeeded?: (response?: unknown) => void;
  failed?: (response?: { status_code?: number } | null) => void;
}

export interface RefreshableSession {
  isEstablished(): boolean;
  isEnded(): boolean;
  isReadyToReOffer(): boolean;
  readonly connection: RTCPeerConnection | null;
  once(event: 'ended' | 'failed', fn: () => void): unknown;
  off(event: 'ended' | 'failed', fn: () => void): unknown;
  /** JsSIP 3.13's private re-INVITE sender (renegotiate() without its terminate-on-failure) */
  _sendReinvite(options: { eventHandlers: ReinviteHandlers; rtcOfferConstraints?: RTCOfferOptions | null; extraHeaders?: string[] }): void;
}

export interface RefreshOptions {
  clock: Clock;
  /** how long to wait for a pending offer/answer (ours or the far end's) to finish first */
  waitMs?: number;
  /** poll step while waiting */
  stepMs?: number;
}

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
      const pc = session.connection;
      session._sendReinvite({
        rtcOfferConstraints: mediaPathDown(pc) ? { iceRestart: true } : null,
        eventHandlers: {
          succeeded: () => finish('refreshed'),
          failed: () => {
            // the offer was never answered: back to the negotiated state, so later offers work
            if (pc && pc.signalingState === 'have-local-offer') {
              void pc.setLocalDescription({ type: 'rollback' } as RTCSessionDescriptionInit).catch(() => undefined);
            }
            finish(session.isEnded() ? 'ended' : 'refused');
          },
        },
      });
    };
    attempt();
  });
}
