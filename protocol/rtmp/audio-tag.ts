/**
 * The one-byte FLV audio tag header that starts every RTMP audio message (FLV spec v10.1, E.4.2.1):
 * SoundFormat (4 bits) · SoundRate (2) · SoundSize (1) · SoundType (1). G.711 ignores the rate bits
 * and means 8 kHz, so siprtmp writes 0x82 for PCMU and 0x72 for PCMA (notes §5).
 */
export const SoundFormat = {
  LinearPcm: 0,
  Adpcm: 1,
  Mp3: 2,
  LinearPcmLe: 3,
  Nellymoser16k: 4,
  Nellymoser8k: 5,
  Nellymoser: 6,
  G711ALaw: 7,
  G711MuLaw: 8,
  Aac: 10,
  Speex: 11,
} as const;

export type G711Codec = 'pcmu' | 'pcma';

export const AUDIO_TAG_PCMU = 0x82;
export const AUDIO_TAG_PCMA = 0x72;

/** siprtmp turns every audio message into one RTP packet advancing 160 samples: always send 20 ms. */
export const G711_FRAME_MS = 20;
export const G711_FRAME_BYTES = 160;

export interface AudioTag {
  readonly soundFormat: number;
  readonly soundRate: number;
  readonly soundSize: number;
  readonly stereo: boolean;
  readonly codec: G711Codec | 'speex' | null;
  /** The codec payload after the tag byte (a view). */
  readonly data: Uint8Array;
}

export function audioTagByte(codec: G711Codec): number {
  return codec === 'pcmu' ? AUDIO_TAG_PCMU : AUDIO_TAG_PCMA;
}

/** Tag byte + G.711 bytes; one 20 ms frame is 160 bytes. */
export function encodeG711AudioMessage(codec: G711Codec, samples: Uint8Array): Uint8Array {
  const payload = new Uint8Array(samples.length + 1);
  payload[0] = audioTagByte(codec);
  payload.set(samples, 1);
  return payload;
}

/** Null for an empty message (siprtmp ignores messages of one byte or less; so do we for zero). */
export function parseAudioTag(payload: Uint8Array): AudioTag | null {
  if (payload.length === 0) return null;
  const first = payload[0];
  const soundFormat = first >>> 4;
  // Like siprtmp, the codec comes from the high nibble only.
  const codec =
    soundFormat === SoundFormat.G711MuLaw ? 'pcmu' : soundFormat === SoundFormat.G711ALaw ? 'pcma' : soundFormat === SoundFormat.Speex ? 'speex' : null;
  return {
    soundFormat,
    soundRate: (first >>> 2) & 3,
    soundSize: (first >>> 1) & 1,
    stereo: (first & 1) === 1,
    codec,
    // AAC carries a second header byte (packet type): not stripped here, AAC is not our business.
    data: payload.subarray(1),
  };
}
