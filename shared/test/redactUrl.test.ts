import { redactUrl } from '../src/camera';

// A camera URL's credentials never survive redaction, whatever characters the password holds.
describe('redactUrl: every shape of credentials', () => {
  it.each([
    ['no credentials', 'rtsp://10.0.0.5:554/x', 'rtsp://10.0.0.5:554/x'],
    ['no credentials, no path', 'rtsp://10.0.0.5', 'rtsp://10.0.0.5'],
    ['user and password', 'rtsp://admin:hunter2@10.0.0.5/x', 'rtsp://***@10.0.0.5/x'],
    ['user only', 'rtsp://admin@10.0.0.5/x', 'rtsp://***@10.0.0.5/x'],
    ['empty password', 'rtsp://admin:@10.0.0.5/x', 'rtsp://***@10.0.0.5/x'],
    ['@ in the password', 'rtsp://admin:p@ss@10.0.0.5/x', 'rtsp://***@10.0.0.5/x'],
    ['several @ and : in the password', 'rtsp://admin:a@b:c@@d:@10.0.0.5:554/Streaming/101', 'rtsp://***@10.0.0.5:554/Streaming/101'],
    ['percent-encoded password', 'rtsp://viewer:p%40ss%2Fw@10.2.3.4:554/live', 'rtsp://***@10.2.3.4:554/live'],
    ['rtsps', 'rtsps://admin:s3cret@cam.local:322/main', 'rtsps://***@cam.local:322/main'],
    ['upper-case scheme', 'RTSP://admin:s3cret@10.0.0.5/x', 'RTSP://***@10.0.0.5/x'],
    ['IPv6 host', 'rtsp://admin:p@ss@[fd00::5]:554/x', 'rtsp://***@[fd00::5]:554/x'],
    ['a query after the host', 'rtsp://admin:p@ss@10.0.0.5?channel=1', 'rtsp://***@10.0.0.5?channel=1'],
    ['an http(s) URL', 'https://ptz:p@ss@10.0.0.9/onvif/device_service', 'https://***@10.0.0.9/onvif/device_service'],
  ])('%s', (_shape, input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('redacts a URL at the very end of a text, with no path', () => {
    const out = redactUrl('could not open rtsp://admin:p@ss@10.0.0.5');
    expect(out).toBe('could not open rtsp://***@10.0.0.5');
  });

  it('redacts several URLs in one text, each up to its own host', () => {
    const text = "rtsp://a:one@1@10.0.0.1/x: 401 Unauthorized; retry 'rtsps://b:two@2@10.0.0.2:322/y' and rtsp://c:three@3@h3";
    const out = redactUrl(text);
    for (const secret of ['one', 'two', 'three', 'one@1', 'two@2', 'three@3']) expect(out).not.toContain(secret);
    expect(out).toBe("rtsp://***@10.0.0.1/x: 401 Unauthorized; retry 'rtsps://***@10.0.0.2:322/y' and rtsp://***@h3");
  });

  it('redacts URLs glued together without a space', () => {
    const out = redactUrl('rtsp://a:p@1@h1,rtsp://b:p@2@h2/x');
    expect(out).not.toMatch(/p@1|p@2/);
  });

  it('keeps the text around the URL and a trailing ": reason"', () => {
    expect(redactUrl('[rtsp @ 0x55] rtsp://u:p@ss@10.0.0.5:554/x: Connection refused')).toBe(
      '[rtsp @ 0x55] rtsp://***@10.0.0.5:554/x: Connection refused',
    );
  });

  it('never lets any part of a password through (generated passwords)', () => {
    const alphabet = 'abcXYZ019@:!$&()*+,;=-._~%';
    for (let i = 0; i < 500; i++) {
      let password = '';
      const len = 1 + (i % 17);
      for (let j = 0; j < len; j++) password += alphabet[(i * 7 + j * 13 + j * j) % alphabet.length];
      const marker = `Q${i}Z${password}`;
      const out = redactUrl(`error: rtsp://user${i}:${marker}@10.0.${i % 256}.5:554/live and more`);
      expect(out).not.toContain(marker);
      expect(out).toBe(`error: rtsp://***@10.0.${i % 256}.5:554/live and more`);
    }
  });
});
