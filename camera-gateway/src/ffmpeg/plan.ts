import type { StreamProbe } from './probe';

/** How the gateway restreams one camera, decided from what it actually sends. */
export interface PullPlan {
  video: { mode: 'copy' } | { mode: 'transcode'; reason: string; fps: number };
  /** Camera audio becomes Opus (browsers play Opus; not AAC or G.711). */
  audio: boolean;
}

/** Keyframe interval of re-encoded video: short, so a viewer's first picture comes fast. */
export const TRANSCODE_GOP_SECONDS = 1;

/**
 * H.264 without B-frames passes through untouched (any profile: the SFU declares it
 * 42e01f and Chromium's software decoder plays Main and High). Everything else browsers
 * cannot take through an SFU is re-encoded: H.265, MJPEG, H.264 with B-frames, and H.264
 * whose keyframes arrive split (see probeSplitKeyframes).
 */
export function planPull(probe: StreamProbe): PullPlan {
  const v = probe.video;
  if (!v) throw new Error('the camera sends no video');
  const audio = probe.audio !== undefined;
  if (v.codec === 'h264' && !v.hasBFrames && !v.splitKeyframes) return { video: { mode: 'copy' }, audio };
  const reason =
    v.codec !== 'h264'
      ? `${v.codec.toUpperCase()} is not playable in browsers`
      : v.hasBFrames
        ? 'H.264 with B-frames'
        : 'H.264 keyframes split by repeated SPS/PPS';
  return { video: { mode: 'transcode', reason, fps: Math.round(v.fps ?? 25) || 25 }, audio };
}
