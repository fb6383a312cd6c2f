import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IngestPoint } from '@county/shared';
import { Backoff } from '../src/Backoff';
import { passthroughArgs } from '../src/ffmpeg/ffmpegArgs';
import { resolveFfmpeg } from '../src/ffmpeg/resolveFfmpeg';

const point: IngestPoint = { cameraId: 'c1', ip: '127.0.0.1', rtpPort: 40002, rtcpPort: 40003, payloadType: 96, ssrc: 1234 };

describe('passthroughArgs', () => {
  it('pulls over TCP, copies H.264 and sends RTP with the SFU-given ssrc, payload type and RTCP port', () => {
    const args = passthroughArgs('rtsp://u:p@cam/x', point);
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after('-rtsp_transport')).toBe('tcp');
    expect(after('-i')).toBe('rtsp://u:p@cam/x');
    expect(after('-c:v')).toBe('copy');
    expect(after('-ssrc')).toBe('1234');
    expect(after('-payload_type')).toBe('96');
    expect(args.at(-1)).toBe('rtp://127.0.0.1:40002?rtcpport=40003&pkt_size=1200');
  });

  it('keeps a hostile url as one argv element', () => {
    const url = 'rtsp://cam/x -f null -y /tmp/owned';
    const args = passthroughArgs(url, point);
    expect(args.filter((a) => a === url)).toHaveLength(1);
    expect(args).not.toContain('/tmp/owned');
  });

  it('brackets an IPv6 ingest address', () => {
    expect(passthroughArgs('rtsp://cam/x', { ...point, ip: '::1' }).at(-1)).toMatch(/^rtp:\/\/\[::1\]:40002\?/);
  });
});

describe('resolveFfmpeg', () => {
  let dir: string;
  let fake: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffmpeg-resolve-'));
    fake = path.join(dir, 'ffmpeg');
    fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prefers FFMPEG_PATH', () => {
    expect(resolveFfmpeg({ FFMPEG_PATH: fake, PATH: '/nowhere' }, () => '/static/ffmpeg')).toBe(fake);
  });

  it('rejects an FFMPEG_PATH that is not executable', () => {
    expect(() => resolveFfmpeg({ FFMPEG_PATH: path.join(dir, 'missing') })).toThrow(/not an executable/);
  });

  it("uses ffmpeg-static's binary when it exists", () => {
    expect(resolveFfmpeg({ PATH: dir }, () => '/static/ffmpeg')).toBe('/static/ffmpeg');
  });

  it('falls back to ffmpeg on PATH (ffmpeg-static absent offline)', () => {
    expect(resolveFfmpeg({ PATH: `/nowhere:${dir}` }, () => undefined)).toBe(fake);
  });

  it('says how to fix a missing ffmpeg', () => {
    expect(() => resolveFfmpeg({ PATH: '/nowhere' }, () => undefined)).toThrow(/apt-get install ffmpeg/);
  });
});

describe('Backoff', () => {
  it('doubles up to the cap, with bounded jitter, and resets', () => {
    const mid = new Backoff(1000, 8000, 0.2, () => 0.5);
    expect([mid.next(), mid.next(), mid.next(), mid.next(), mid.next()]).toEqual([1000, 2000, 4000, 8000, 8000]);
    mid.reset();
    expect(mid.next()).toBe(1000);
    const low = new Backoff(1000, 8000, 0.2, () => 0);
    const high = new Backoff(1000, 8000, 0.2, () => 1);
    expect(low.next()).toBe(800);
    expect(high.next()).toBe(1200);
  });
});
