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

const CONGESTION_FEEDBACK = new Set(['transport-cc', 'goog-remb']);
const CONGESTION_EXTENSIONS = new Set([
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
]);

/**
 * A browser's capabilities without congestion-control feedback (transport-cc, REMB) and the
 * header extensions only it uses. A transport whose consumers negotiate none runs no bandwidth
 * estimator: in mediasoup 3.12 that estimator's timers are most of a worker's cost per viewer
 * (bench/fanout.mjs), and a single-layer stream is forwarded as it is whatever it estimates.
 */
export function withoutCongestionControl(caps: types.RtpCapabilities): types.RtpCapabilities {
  return {
    ...caps,
    codecs: caps.codecs?.map((c) => ({ ...c, rtcpFeedback: c.rtcpFeedback?.filter((f) => !CONGESTION_FEEDBACK.has(f.type)) })),
    headerExtensions: caps.headerExtensions?.filter((e) => !CONGESTION_EXTENSIONS.has(e.uri)),
  };
}

/** RTP payload types the gateway stamps (dynamic range). */
export const INGEST_PAYLOAD_TYPE = { video: 96, audio: 100 } as const;

/**
 * What a gateway's ffmpeg sends: H.264 (copied or re-encoded) and Opus. ffmpeg ignores RTCP
 * feedback, but video declares PLI so the worker issues keyframe requests towards the
 * producer (seen as `pli` traces) that the SFU relays to the camera over ONVIF.
 */
export function ingestRtpParameters(kind: types.MediaKind, ssrc: number): types.RtpParameters {
  const codec: types.RtpCodecParameters =
    kind === 'video'
      ? {
          mimeType: 'video/H264',
          payloadType: INGEST_PAYLOAD_TYPE.video,
          clockRate: 90000,
          parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
          rtcpFeedback: [{ type: 'nack', parameter: 'pli' }],
        }
      : { mimeType: 'audio/opus', payloadType: INGEST_PAYLOAD_TYPE.audio, clockRate: 48000, channels: 2, rtcpFeedback: [] };
  return { codecs: [codec], encodings: [{ ssrc }] };
}
