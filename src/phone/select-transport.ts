import type { TransportName } from '../transport';

/** What the engine knows of its surroundings when it picks a transport at init. */
export interface TransportEnvironmentFacts {
  forceRTMP: boolean;
  hasRTCPeerConnection: boolean;
  hasGetUserMedia: boolean;
}

/** WebRTC unless the page forces RTMP or the browser lacks WebRTC (then RTMP is the fallback). */
export function selectTransport(f: TransportEnvironmentFacts): TransportName {
  return !f.forceRTMP && f.hasRTCPeerConnection && f.hasGetUserMedia ? 'webrtc' : 'rtmp';
}

export function detectEnvironment(forceRTMP: boolean): TransportEnvironmentFacts {
  const g = globalThis as { RTCPeerConnection?: unknown; navigator?: { mediaDevices?: { getUserMedia?: unknown } } };
  return {
    forceRTMP,
    hasRTCPeerConnection: typeof g.RTCPeerConnection === 'function',
    hasGetUserMedia: typeof g.navigator?.mediaDevices?.getUserMedia === 'function',
  };
}
