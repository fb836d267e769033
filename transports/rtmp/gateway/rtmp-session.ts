/**
 * The gateway's RTMP server session: `RtmpServerSession` plus one ability it lacks — invoking a client
 * method while the connect is still being decided, which siprtmp needs to call `unauthorized()` before
 * rejecting (see the report: the protocol core's `invoke` is a no-op outside 'connected').
 */
import type { AmfValue } from '../protocol/amf-values';
import { RtmpServerSession } from '../protocol/rtmp-server-session';

export class GatewayRtmpSession extends RtmpServerSession {
  /** `invoke`, also allowed during the connect decision. */
  invokeEarly(method: string, ...args: AmfValue[]): void {
    if (this.state === 'connected') this.invoke(method, ...args);
    else if (this.state === 'deciding') this.core.notify(method, args);
  }
}
