import { CameraInputSchema, CameraUrlSchema, redactUrl } from '../src/camera';
import { RoomIdSchema, roomKind } from '../src/rooms';

describe('CameraInputSchema', () => {
  const ok = { id: 'site-01_close', name: '城南工地 近景', url: 'rtsp://viewer:p%40ss@10.2.3.4:554/Streaming/Channels/101' };

  it('accepts a typical county camera', () => {
    expect(CameraInputSchema.parse(ok)).toEqual({ ...ok, kind: 'main', pull: 'on-demand', record: false });
    expect(CameraInputSchema.parse({ ...ok, siteId: 'site-01', kind: 'panorama', pull: 'always' })).toMatchObject({
      kind: 'panorama',
      pull: 'always',
    });
    expect(CameraInputSchema.safeParse({ ...ok, pull: 'sometimes' }).success).toBe(false);
    expect(CameraInputSchema.safeParse({ ...ok, kind: 'Close View' }).success).toBe(false);
  });

  it.each([
    ['upper case', 'Site1'],
    ['space', 'a b'],
    ['path traversal', '../etc'],
    ['leading dash', '-x'],
    ['empty', ''],
    ['too long', 'a'.repeat(65)],
  ])('rejects an id with %s', (_why, id) => {
    expect(CameraInputSchema.safeParse({ ...ok, id }).success).toBe(false);
  });

  it.each([
    ['http', 'http://10.0.0.1/stream'],
    ['file', 'file:///etc/passwd'],
    ['an ffmpeg option', '-i /etc/passwd'],
    ['whitespace injection', 'rtsp://10.0.0.1/a -f null'],
    ['a newline', 'rtsp://10.0.0.1/a\n-y'],
    ['no host', 'rtsp:///path'],
    ['not a url', 'camera one'],
  ])('rejects a url that is %s', (_why, url) => {
    expect(CameraUrlSchema.safeParse(url).success).toBe(false);
  });

  it('accepts rtsps and IPv6 hosts', () => {
    expect(CameraUrlSchema.safeParse('rtsps://[fd00::5]:322/live').success).toBe(true);
  });

  it('rejects unknown fields rather than silently dropping them', () => {
    expect(CameraInputSchema.safeParse({ ...ok, extra: 1 }).success).toBe(false);
  });
});

describe('redactUrl', () => {
  it('removes credentials from every rtsp url in a text', () => {
    const text = 'rtsp://admin:hunter2@10.0.0.5:554/x: 401 Unauthorized; also RTSPS://u:p@h/y';
    const out = redactUrl(text);
    expect(out).not.toMatch(/hunter2|u:p@/);
    expect(out).toBe('rtsp://***@10.0.0.5:554/x: 401 Unauthorized; also RTSPS://***@h/y');
  });

  it('leaves urls without credentials alone', () => {
    expect(redactUrl('rtsp://10.0.0.5/x')).toBe('rtsp://10.0.0.5/x');
  });
});

describe('rooms', () => {
  it('names wall screens and meetings', () => {
    expect(roomKind(RoomIdSchema.parse('wall:main'))).toBe('wall');
    expect(roomKind(RoomIdSchema.parse('meeting:weekly-1'))).toBe('meeting');
    expect(RoomIdSchema.safeParse('lobby:x').success).toBe(false);
  });
});
