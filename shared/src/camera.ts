import { z } from 'zod';

/** Lower-case slug: safe in URLs, file names, log lines and socket.io room names. */
export const CameraIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'camera id: 1-64 of a-z, 0-9, "-" or "_", starting with a letter or digit');
export type CameraId = z.infer<typeof CameraIdSchema>;

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

export const CAMERA_STATUSES = ['connecting', 'online', 'offline'] as const;
export const CameraStatusSchema = z.enum(CAMERA_STATUSES);
export type CameraStatus = z.infer<typeof CameraStatusSchema>;

/** Body of POST /api/cameras and one entry of CAMERAS_FILE. */
export const CameraInputSchema = z.strictObject({
  id: CameraIdSchema,
  name: CameraNameSchema,
  url: CameraUrlSchema,
});
export type CameraInput = z.infer<typeof CameraInputSchema>;

/** What browsers and API clients see of a camera: never its URL. */
export interface CameraView {
  id: CameraId;
  name: string;
  status: CameraStatus;
  /** Why a camera is offline, with any credentials removed. */
  statusReason?: string;
  /** ISO time of the last status change. */
  statusSince: string;
}

/** Replaces user:password in any rtsp(s):// URL inside a text (ffmpeg errors echo the input URL). */
export function redactUrl(text: string): string {
  return text.replace(/(rtsps?:\/\/)[^\s/@]*@/gi, '$1***@');
}
