// The SIP–RTMP gateway (Node only).
export { createRtmpGateway } from './gateway';
export type { RtmpGateway, RtmpGatewayAddresses, RtmpGatewayStats } from './gateway';
export type { RtmpGatewayOptions } from './options';
export { createTunnelFront } from './tunnel-front';
export type { TunnelFront, TunnelFrontOptions, TunnelFrontAddresses } from './tunnel-front';
export type { MediaLeg, MediaFrame, MediaLegFactory, MediaOfferOptions } from './media-leg';
export { createRtpLeg } from './rtp-leg';
export { createWebRtcLeg } from './webrtc-leg';
export type { MediaProfile } from './profile-leg';
export type { HostPort } from './sip-ua';
