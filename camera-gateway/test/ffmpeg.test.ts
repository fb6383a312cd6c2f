import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IngestPoint } from '@county/shared';
import { Backoff } from '../src/Backoff';
import { pullArgs } from '../src/ffmpeg/ffmpegArgs';
import { planPull, type PullPlan } from '../src/ffmpeg/plan';
import { parseProbe, probeError } from '../src/ffmpeg/probe';
import { ProgressReader } from '../src/ffmpeg/progress';
import { resolveFfmpeg, resolveFfprobe } from '@county/shared/node';

const point: IngestPoint = {
  cameraId: 'c1',
  generation: 7,
  video: { ip: '127.0.0.1', rtpPort: 40002, rtcpPort: 40002, payloadType: 96, ssrc: 1234 },
  audio: { ip: '127.0.0.1', rtpPort: 40002, rtcpPort: 40002, payloadType: 100, ssrc: 5678 },
};
const from = { video: { rtpPort: 50002, rtcpPort: 50002 }, audio: { rtpPort: 50002, rtcpPort: 50002 } };
const copy: PullPlan = { video: { mode: 'copy' }, audio: false };

describe('pullArgs', () => {
  const after = (args: string[], flag: string, from = 0) => args[args.indexOf(flag, from) + 1];

  it('pulls over TCP, copies H.264 and sends RTP and RTCP from one port with the SFU-given ssrc and payload type', () => {
    const args = pullArgs('rtsp://u:p@cam/x', copy, point, from);
    expect(after(args, '-rtsp_transport')).toBe('tcp');
    expect(after(args, '-i')).toBe('rtsp://u:p@cam/x');
    expect(after(args, '-c:v')).toBe('copy');
    expect(after(args, '-ssrc')).toBe('1234');
    expect(after(args, '-payload_type')).toBe('96');
    expect(args.at(-1)).toBe('udp://127.0.0.1:40002?localport=50002&reuse=1&pkt_size=1400');
    expect(pullArgs('rtsp://cam/x', copy, point, from, 1200).at(-1)).toBe('udp://127.0.0.1:40002?localport=50002&reuse=1&pkt_size=1200');
    expect(args).not.toContain('0:a:0');
  });

  it('re-encodes to Constrained Baseline H.264 without B-frames, a keyframe a second, and audio to Opus', () => {
    const args = pullArgs('rtsp://cam/x', { video: { mode: 'transcode', reason: 'HEVC', fps: 15 }, audio: true }, point, from);
    expect(after(args, '-c:v')).toBe('libx264');
    expect(after(args, '-profile:v')).toBe('baseline');
    expect(after(args, '-bf')).toBe('0');
    expect(after(args, '-g')).toBe('15');
    expect(after(args, '-c:a')).toBe('libopus');
    // Audio leaves from the video's port to the same SFU port: one port per camera.
    expect(args.filter((a) => a.startsWith('udp://'))).toEqual([
      'udp://127.0.0.1:40002?localport=50002&reuse=1&pkt_size=1400',
      'udp://127.0.0.1:40002?localport=50002&reuse=1&pkt_size=1400',
    ]);
    expect(after(args, '-ssrc', args.indexOf('-c:a'))).toBe('5678');
  });

  it('keeps a hostile url as one argv element', () => {
    const url = 'rtsp://cam/x -f null -y /tmp/owned';
    const args = pullArgs(url, copy, point, from);
    expect(args.filter((a: string) => a === url)).toHaveLength(1);
    expect(args).not.toContain('/tmp/owned');
  });

  it('brackets an IPv6 ingest address', () => {
    expect(pullArgs('rtsp://cam/x', copy, { ...point, video: { ...point.video, ip: '::1' } }, from).at(-1)).toMatch(/^udp:\/\/\[::1\]:40002\?/);
  });
});

describe('planPull: decided from what the camera sends', () => {
  const v = { width: 1920, height: 1080, fps: 25 };
  it.each([
    ['H.264 High', { codec: 'h264', profile: 'High', hasBFrames: false }, 'copy'],
    ['H.264 Main', { codec: 'h264', profile: 'Main', hasBFrames: false }, 'copy'],
    ['H.264 with B-frames', { codec: 'h264', profile: 'High', hasBFrames: true }, 'transcode'],
    ['H.265', { codec: 'hevc', profile: 'Main', hasBFrames: false }, 'transcode'],
    ['MJPEG', { codec: 'mjpeg', hasBFrames: false }, 'transcode'],
    ['H.264 with split keyframes', { codec: 'h264', profile: 'High', hasBFrames: false, splitKeyframes: true }, 'transcode'],
  ])('%s -> %s', (_why, video, mode) => {
    expect(planPull({ video: { ...v, ...video } }).video.mode).toBe(mode);
  });

  it('turns any camera audio into Opus, and refuses a stream without video', () => {
    expect(planPull({ video: { codec: 'h264', hasBFrames: false }, audio: { codec: 'pcm_alaw' } }).audio).toBe(true);
    expect(() => planPull({ audio: { codec: 'aac' } })).toThrow(/no video/);
  });
});

describe('probe parsing', () => {
  it('reads ffprobe json', () => {
    const json = JSON.stringify({
      streams: [
        { codec_type: 'video', codec_name: 'h264', profile: 'High', width: 1920, height: 1080, has_b_frames: 2, avg_frame_rate: '25/1' },
        { codec_type: 'audio', codec_name: 'aac', sample_rate: '16000', channels: 1 },
      ],
    });
    expect(parseProbe(json)).toEqual({
      video: { codec: 'h264', profile: 'High', width: 1920, height: 1080, fps: 25, hasBFrames: true },
      audio: { codec: 'aac', sampleRate: 16000, channels: 1 },
    });
  });

  it('explains a failure without the URL', () => {
    const stderr = 'rtsp://admin:pw@10.0.0.1/x: Server returned 401 Unauthorized (authorization failed)\n';
    expect(probeError(stderr)).toBe('Server returned 401 Unauthorized (authorization failed)');
  });
});

describe('ProgressReader', () => {
  it('computes fps from frame counts between blocks', () => {
    let t = 0;
    const seen: number[] = [];
    const reader = new ProgressReader((fps) => seen.push(fps), () => t);
    reader.push('frame=10\nfps=0.0\nprogress=continue\n');
    t = 1000;
    reader.push('frame=35\nfps=12.0\nprog');
    reader.push('ress=continue\n');
    expect(seen).toEqual([25]);
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

  it('finds ffprobe beside ffmpeg, then on PATH', () => {
    fs.writeFileSync(path.join(dir, 'ffprobe'), '#!/bin/sh\n', { mode: 0o755 });
    expect(resolveFfprobe(fake, { PATH: '/nowhere' })).toBe(path.join(dir, 'ffprobe'));
    expect(resolveFfprobe('/static/ffmpeg', { PATH: dir })).toBe(path.join(dir, 'ffprobe'));
    expect(() => resolveFfprobe('/static/ffmpeg', { PATH: '/nowhere' })).toThrow(/ffprobe not found/);
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
