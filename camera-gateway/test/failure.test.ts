import { CAMERA_FAILURE_REASONS } from '@county/shared';
import { classifyFailure } from '../src/ffmpeg/failure';

// Texts as ffprobe/ffmpeg 5.1 print them (URL prefix already stripped by the gateway).
describe('classifyFailure', () => {
  it.each([
    ['Server returned 401 Unauthorized (authorization failed)', 'authentication failed (401)'],
    ['[rtsp @ 0x55] method DESCRIBE failed: 401 Whatever The Camera Says\nServer returned 401 Unauthorized (authorization failed)', 'authentication failed (401)'],
    ['Server returned 403 Forbidden (access denied)', 'access forbidden (403)'],
    ['Server returned 404 Not Found', 'stream not found (404)'],
    ['Server returned 5XX Server Error reply', 'camera error (RTSP 5xx)'],
    ['Server returned 4XX Client Error, but not one of 40{0,1,3,4}', 'camera error (see the gateway log)'],
    ['[tcp @ 0x55] Connection to tcp://127.0.0.1:401?timeout=5000000 failed: Connection refused\nConnection refused', 'connection refused'],
    ['No route to host', 'host unreachable'],
    ['[tcp @ 0x56] Failed to resolve hostname cam.invalid: Name or service not known\nInput/output error', 'host name not found'],
    ['no answer within 15 s', 'connection timed out'],
    ['Connection timed out', 'connection timed out'],
    ['[tls @ 0x56] An unexpected TLS packet was received.\nInput/output error', 'TLS handshake failed'],
    ['Input/output error', 'connection failed (I/O error)'],
    ['the camera sends no video', 'no video stream'],
    ['Output file #0 does not contain any stream', 'no video stream'],
    ['Could not find codec parameters for stream 0 (Video: none): unknown codec', 'unsupported codec'],
    ['camera answered with something that is not a media stream', 'not an RTSP server / invalid data'],
    ['Invalid data found when processing input', 'not an RTSP server / invalid data'],
    ['something nobody has seen before', 'camera error (see the gateway log)'],
  ])('%s', (raw, reason) => {
    expect(classifyFailure(raw, { stage: 'probe', elapsedMs: 200 })).toBe(reason);
  });

  it('reads "Invalid data" after the I/O timeout as a server that never answered', () => {
    expect(classifyFailure('Invalid data found when processing input', { stage: 'probe', elapsedMs: 5100 })).toBe('connection timed out');
  });

  it('names the stage when the camera is not to blame', () => {
    expect(classifyFailure('operation has timed out', { stage: 'sfu' })).toBe('media server unavailable');
    expect(classifyFailure('ffmpeg could not start: spawn /x ENOENT', { stage: 'start' })).toBe('gateway error (see its log)');
    expect(classifyFailure('Connection timed out', { stage: 'pull', hadFrames: true, elapsedMs: 60_000 })).toBe('camera stopped sending');
  });

  it("never returns the remote's words: only the fixed set", () => {
    const marker = 'MARKER-3b9f Connection refused 401 Server returned 404';
    for (const stage of ['probe', 'sfu', 'start', 'pull'] as const) {
      const reason = classifyFailure(`[rtsp @ 0x1] method OPTIONS failed: 454 ${marker}\n${marker}`, { stage });
      expect(CAMERA_FAILURE_REASONS).toContain(reason);
      expect(reason).not.toContain('MARKER');
    }
  });
});
