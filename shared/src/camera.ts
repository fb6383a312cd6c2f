import { z } from 'zod';

const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Lower-case slug: safe in URLs, file names, log lines and socket.io room names. */
export const slugSchema = (what: string) =>
  z.string().regex(SLUG, `${what}: 1-64 of a-z, 0-9, "-" or "_", starting with a letter or digit`);

export const CameraIdSchema = slugSchema('camera id');
export type CameraId = z.infer<typeof CameraIdSchema>;

/**
 * A camera's streams: `main` (full resolution) and, when the camera has a `subUrl`, `sub`
 * (<= 640x360, for small wall tiles).
 */
export const CAMERA_STREAMS = ['main', 'sub'] as const;
export const CameraStreamSchema = z.enum(CAMERA_STREAMS);
export type CameraStream = z.infer<typeof CameraStreamSchema>;

/**
 * One pulled stream inside the SFU and between SFU and gateways: the camera id for its main
 * stream, `<camera id>~sub` for its sub stream (`~` is never in a camera id: no collision).
 */
export const FeedIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}(~sub)?$/, 'feed id: a camera id, or a camera id and "~sub"');
export type FeedId = z.infer<typeof FeedIdSchema>;

const SUB_SUFFIX = '~sub';
export const feedId = (cameraId: string, stream: CameraStream = 'main'): FeedId =>
  stream === 'sub' ? `${cameraId}${SUB_SUFFIX}` : cameraId;
export function parseFeedId(id: string): { cameraId: CameraId; stream: CameraStream } {
  return id.endsWith(SUB_SUFFIX) ? { cameraId: id.slice(0, -SUB_SUFFIX.length), stream: 'sub' } : { cameraId: id, stream: 'main' };
}

/**
 * An RTSP address. It reaches ffmpeg as one argv element (never a shell) and must parse as a
 * URL, so it can neither inject options nor smuggle a second input. It may hold credentials:
 * it is a secret and never leaves the server (see redactUrl).
 */
export const CameraUrlSchema = z
  .string()
  .max(2048)
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  .refine((s) => !/[\s\u0000-\u001f\u007f]/.test(s), 'camera url: no spaces or control characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'rtsp:' || u.protocol === 'rtsps:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'camera url: must be rtsp:// or rtsps:// with a host');

export const CameraNameSchema = z.string().trim().min(1, 'camera name: required').max(100);

/** `idle`: an on-demand camera nobody watches, not pulled (it starts on the first viewer). */
export const CAMERA_STATUSES = ['idle', 'connecting', 'online', 'offline'] as const;
export const CameraStatusSchema = z.enum(CAMERA_STATUSES);
export type CameraStatus = z.infer<typeof CameraStatusSchema>;

/**
 * What a stream shows of its site: the 360° `panorama`, a `close` view, or a free label
 * (`gate`, `crane`). Several streams of a site are separate cameras or a camera's main/sub
 * streams, each its own entry with its own URL.
 */
export const StreamKindSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'kind: panorama, close or a label of a-z, 0-9, "-", "_"');
export type StreamKind = z.infer<typeof StreamKindSchema>;

/**
 * A camera's ONVIF device service, for PTZ presets. Its password is a secret like the URL's.
 * "panorama" and "close" can be two presets of one PTZ camera.
 */
export const OnvifSchema = z.strictObject({
  url: z
    .string()
    .max(2048)
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0 && !u.username;
      } catch {
        return false;
      }
    }, 'onvif url: http(s)://host[:port]/onvif/device_service, credentials in username/password'),
  username: z.string().max(128).optional(),
  password: z.string().max(128).optional(),
});
export type OnvifAccess = z.infer<typeof OnvifSchema>;

/** A PTZ preset as the camera names it. Names travel inside SOAP: plain characters only. */
export const PtzPresetNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  .refine((s) => !/[<>&"'\u0000-\u001f]/.test(s), 'preset name: no <, >, &, quotes or control characters');
export const PtzPresetTokenSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'preset token: 1-64 of A-Z, a-z, 0-9, _ . : -');
export const PtzGotoSchema = z.union([
  z.strictObject({ token: PtzPresetTokenSchema }),
  z.strictObject({ name: PtzPresetNameSchema }),
]);
export const PtzSaveSchema = z.strictObject({ name: PtzPresetNameSchema });
export interface PtzPreset {
  token: string;
  name: string;
}

/** `on-demand`: pulled only while watched (plus a grace period); `always`: emergency cameras. */
export const PULL_MODES = ['on-demand', 'always'] as const;
export const PullModeSchema = z.enum(PULL_MODES);
export type PullMode = z.infer<typeof PullModeSchema>;

/** Body of POST /api/cameras and one entry of CAMERAS_FILE. */
export const CameraInputSchema = z.strictObject({
  id: CameraIdSchema,
  name: CameraNameSchema,
  url: CameraUrlSchema,
  /** The camera's sub stream (<= 640x360), a secret like `url`: small wall tiles play it. */
  subUrl: CameraUrlSchema.optional(),
  siteId: slugSchema('site id').optional(),
  kind: StreamKindSchema.default('main'),
  pull: PullModeSchema.default('on-demand'),
  /** Record to disk (segments, with a retention limit). */
  record: z.boolean().default(false),
  onvif: OnvifSchema.optional(),
});
export type CameraInput = z.infer<typeof CameraInputSchema>;
export type CameraInputBody = z.input<typeof CameraInputSchema>;

/** What the camera sends and what the pipeline does with it, updated every few seconds. */
export interface CameraHealth {
  /** The camera's own video codec and profile (h264 High, hevc, mjpeg, ...). */
  codec?: string;
  profile?: string;
  width?: number;
  height?: number;
  /** true when the gateway re-encodes to H.264 (H.265, MJPEG, B-frames). */
  transcoding: boolean;
  transcodeReason?: string;
  /** The camera's audio codec (aac, pcm_alaw, pcm_mulaw); browsers get Opus. */
  audioCodec?: string;
  /** Frames per second leaving the gateway. */
  fps?: number;
  /** Video bitrate arriving at the SFU. */
  bitrateKbps?: number;
  secondsSinceKeyframe?: number;
  /** Times the gateway restarted this camera's pull. */
  restarts: number;
}

/** A camera's sub stream as browsers see it: pulled on demand, its own state and health. */
export interface CameraSubView {
  active: boolean;
  status: CameraStatus;
  statusReason?: string;
  statusSince: string;
  health?: CameraHealth;
}

/** What browsers and API clients see of a camera: never its URLs. */
export interface CameraView {
  id: CameraId;
  name: string;
  siteId?: string;
  townshipId?: string;
  kind: StreamKind;
  pull: PullMode;
  /** true while the camera is pulled (watched, always-on, or in its grace period). */
  active: boolean;
  hasAudio: boolean;
  record: boolean;
  /** The camera has ONVIF PTZ presets (its ONVIF address and login stay on the server). */
  ptz: boolean;
  /** The camera has a sub stream (`sub` says how it is); status and health are the main stream's. */
  hasSub: boolean;
  sub?: CameraSubView;
  health?: CameraHealth;
  status: CameraStatus;
  /** Why a camera is offline, with any credentials removed. */
  statusReason?: string;
  /** ISO time of the last status change. */
  statusSince: string;
}

/** One recorded segment of a camera. */
export interface RecordingView {
  file: string;
  start: string;
  end: string;
  bytes: number;
  /** Where the browser plays it (fragmented MP4, H.264). */
  url: string;
}

export const RecordingToggleSchema = z.strictObject({ enabled: z.boolean() });

/**
 * Replaces user:password in any rtsp(s):// or http(s):// URL inside a text (ffmpeg errors
 * echo the input URL). The credentials run to the LAST `@` before the host's path, as URL
 * parsers read them: a password may hold `@` and `:` but not `/`, `?`, `#` or spaces.
 */
export function redactUrl(text: string): string {
  return text.replace(/((?:rtsps?|https?):\/\/)[^\s/?#]*@/gi, '$1***@');
}

/**
 * Why a camera is offline, as users read it: a fixed set, never the remote's own words (an
 * RTSP server's answer, echoed by ffmpeg, is text anyone could have written). The raw text
 * goes to the gateway's log only.
 */
export const CAMERA_FAILURE_REASONS = [
  'connection refused',
  'connection timed out',
  'host unreachable',
  'host name not found',
  'authentication failed (401)',
  'access forbidden (403)',
  'stream not found (404)',
  'camera error (RTSP 5xx)',
  'not an RTSP server / invalid data',
  'TLS handshake failed',
  'connection failed (I/O error)',
  'no video stream',
  'unsupported codec',
  'camera stopped sending',
  'media server unavailable',
  'gateway error (see its log)',
  'not on a camera network (CAMERA_NETWORKS)',
  'camera error (see the gateway log)',
] as const;
export type CameraFailureReason = (typeof CAMERA_FAILURE_REASONS)[number];
