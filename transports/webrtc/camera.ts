/**
 * Camera off/on on a live call without signalling. Disabling the track alone is not enough: Chromium
 * then sends black frames at the camera's rate (the far end keeps decoding ~20 frames a second), so the
 * video encodings are also made inactive and nothing is sent until the camera is on again.
 */

/** the part of an RTCRtpSender this needs (werift's sender may lack the parameters API) */
export interface VideoSender {
  track: MediaStreamTrack | null;
  getParameters?(): RTCRtpSendParameters;
  setParameters?(p: RTCRtpSendParameters): Promise<void>;
}

/** resolves once every video sender is switched; rejects with the browser's reason */
export async function setCameraSending(senders: VideoSender[], enabled: boolean): Promise<void> {
  await Promise.all(senders.filter((s) => s.track?.kind === 'video').map(async (s) => {
    s.track!.enabled = enabled;
    if (!s.getParameters || !s.setParameters) return;
    const params = s.getParameters();
    if (!params.encodings?.length) return;
    for (const e of params.encodings) e.active = enabled;
    await s.setParameters(params);
  }));
}
