/**
 * JsSIP ends an established call as soon as one in-dialog request meets a transport error: the socket
 * dropped while an INFO, REFER or re-INVITE was in flight (UA.onTransportDisconnect fails every client
 * transaction), or a request went out while it was closed. RTCSession.onTransportError() then calls
 * terminate(500 "Connection Error"), although the media path, and the dialog at the far end, are fine.
 *
 * The guard keeps such a call: for an established session the error is only reported to `lost` (the
 * transport refreshes the dialog once it has reconnected); a session still being set up fails as before
 * (its INVITE transaction is really gone).
 */
export interface GuardableSession {
  isEstablished(): boolean;
  isEnded(): boolean;
  onTransportError(): void;
}

export function guardSession(session: GuardableSession, lost: () => void): void {
  const failCall = session.onTransportError.bind(session);
  session.onTransportError = () => {
    if (session.isEstablished() && !session.isEnded()) lost();
    else failCall();
  };
}
