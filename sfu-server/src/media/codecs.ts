import type { types } from 'mediasoup';

/**
 * Codecs every router offers. H.264 is declared Constrained Baseline 42e01f with
 * level-asymmetry: Chromium without a hardware decoder never offers High (64xxxx), but its
 * software decoder decodes Main and High streams declared this way (docs/media.md).
 */
export const ROUTER_CODECS: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

/** RTP payload type the gateway stamps on camera H.264 (dynamic range). */
export const INGEST_H264_PAYLOAD_TYPE = 96;

export function ingestH264RtpParameters(ssrc: number): types.RtpParameters {
  return {
    codecs: [
      {
        mimeType: 'video/H264',
        payloadType: INGEST_H264_PAYLOAD_TYPE,
        clockRate: 90000,
        parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
        rtcpFeedback: [],
      },
    ],
    encodings: [{ ssrc }],
  };
}
