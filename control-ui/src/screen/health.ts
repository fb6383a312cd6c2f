import type { TFunction } from 'i18next';
import type { CameraStatus, CameraView } from '@county/shared';

/** Below this a live camera's picture stutters visibly on the wall. */
export const LOW_FPS = 10;
/** Longer than this without a keyframe: the picture may be frozen or smeared. */
export const STALE_KEYFRAME_S = 10;

/**
 * What is wrong with a camera, as the wall and the console show it (i18n `health.<issue>`):
 * `offline` (with its reason), `connecting` (pulling or reconnecting), and for a live camera
 * `lowFps` or `staleKeyframe`. Undefined when it is fine (or idle: nobody asked for it).
 */
export type HealthIssue = 'offline' | 'connecting' | 'lowFps' | 'staleKeyframe';

export function healthIssue(c: Pick<CameraView, 'status' | 'health'>): HealthIssue | undefined {
  if (c.status === 'offline') return 'offline';
  if (c.status === 'connecting') return 'connecting';
  if (c.status !== 'online' || !c.health) return undefined;
  if (c.health.fps !== undefined && c.health.fps < LOW_FPS) return 'lowFps';
  if (c.health.secondsSinceKeyframe !== undefined && c.health.secondsSinceKeyframe > STALE_KEYFRAME_S) return 'staleKeyframe';
  return undefined;
}

/** Worst first: a site's marker takes the colour of its worst stream; idle only when none is pulled. */
const SEVERITY: Record<CameraStatus, number> = { offline: 3, connecting: 2, online: 1, idle: 0 };

export function worstStatus(statuses: readonly CameraStatus[]): CameraStatus {
  return statuses.reduce<CameraStatus>((worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst), 'idle');
}

/** The issue in the reader's language: `离线：<reason>`, `帧率过低 6 帧/秒`, ... */
export function healthText(t: TFunction, c: Pick<CameraView, 'statusReason' | 'health'>, issue: HealthIssue): string {
  const text = t(`health.${issue}`, { fps: Math.round(c.health?.fps ?? 0), s: Math.round(c.health?.secondsSinceKeyframe ?? 0) });
  return issue === 'offline' && c.statusReason ? `${text}: ${c.statusReason}` : text;
}
