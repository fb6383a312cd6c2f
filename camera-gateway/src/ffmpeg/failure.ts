import type { CameraFailureReason } from '@county/shared';
import { RTSP_IO_TIMEOUT_S } from './ffmpegArgs';

/** Where a pull attempt failed. */
export interface FailureContext {
  /** Reading the camera (ffprobe, plan), asking the SFU for an ingest point, starting ffmpeg, or the running pull. */
  stage: 'probe' | 'sfu' | 'start' | 'pull';
  /** Frames arrived in this run before it ended: the camera was fine, then stopped. */
  hadFrames?: boolean;
  /** How long the attempt took: ffmpeg reports a silent server's I/O timeout as "Invalid data". */
  elapsedMs?: number;
}

/** ffmpeg's own words for each failure, first match wins. Status codes only as ffmpeg phrases them (a port 401 is not a 401). */
const RULES: readonly [RegExp, CameraFailureReason][] = [
  [/Server returned 401|failed: 401\b|authorization failed/i, 'authentication failed (401)'],
  [/Server returned 403|failed: 403\b|access denied/i, 'access forbidden (403)'],
  [/Server returned 404|failed: 404\b/i, 'stream not found (404)'],
  [/Server returned 5XX|failed: 5\d\d\b/i, 'camera error (RTSP 5xx)'],
  [/Connection refused|ECONNREFUSED/i, 'connection refused'],
  [/No route to host|Network is unreachable|Host is unreachable|EHOSTUNREACH|ENETUNREACH/i, 'host unreachable'],
  [/Failed to resolve hostname|Name or service not known|Temporary failure in name resolution|ENOTFOUND|EAI_AGAIN/i, 'host name not found'],
  [/timed out|no answer within|ETIMEDOUT/i, 'connection timed out'],
  [/\[tls @|TLS|SSL|certificate/, 'TLS handshake failed'],
  [/sends no video|does not contain any stream|matches no streams|no video stream/i, 'no video stream'],
  [/Decoder \(codec .*\) not found|Unknown (en|de)coder|not currently supported|Unsupported codec|Could not find codec parameters/i, 'unsupported codec'],
  [/Invalid data found|not a media stream|Invalid RTSP|End of file/i, 'not an RTSP server / invalid data'],
  [/Input\/output error|Connection reset|Broken pipe|ECONNRESET|EPIPE/i, 'connection failed (I/O error)'],
];

/**
 * A user-facing reason for a failed pull, from a fixed set (CAMERA_FAILURE_REASONS): the
 * raw text carries whatever the remote said (ffmpeg echoes an RTSP reason phrase) and goes
 * to the gateway's log only.
 */
export function classifyFailure(raw: string, context: FailureContext): CameraFailureReason {
  if (context.stage === 'pull' && context.hadFrames) return 'camera stopped sending';
  if (context.stage === 'sfu') return 'media server unavailable';
  if (context.stage === 'start') return 'gateway error (see its log)';
  // "method DESCRIBE failed: 404 <the server's own phrase>": the phrase is the remote's, not ffmpeg's.
  const text = raw.replace(/(failed: \d{3})[^\n]*/g, '$1');
  // A server that accepts and never answers ends in "Invalid data" after the I/O timeout.
  if (/Invalid data found/i.test(text) && (context.elapsedMs ?? 0) >= (RTSP_IO_TIMEOUT_S - 0.5) * 1000) {
    return 'connection timed out';
  }
  for (const [pattern, reason] of RULES) if (pattern.test(text)) return reason;
  return 'camera error (see the gateway log)';
}
