import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IngestStateReport } from '@county/shared';
import { createLogger } from '@county/shared/node';
import { Backoff } from '../src/Backoff';
import { CameraPull } from '../src/CameraPull';
import type { StreamProbe } from '../src/ffmpeg/probe';
import { ProbeCache } from '../src/ProbeCache';
import type { IngestClient, OpenedIngest } from '../src/SfuIngestClient';

const h264: StreamProbe = { video: { codec: 'h264', profile: 'High', width: 640, height: 360, hasBFrames: false, splitKeyframes: false } };

describe('ProbeCache', () => {
  it('keys by camera and URL, expires, and drops the oldest beyond its cap', () => {
    let now = 1000;
    const cache = new ProbeCache(60_000, 2, () => now);
    cache.set('a', 'rtsp://u:p@cam/a', h264);
    now += 500;
    expect(cache.get('a', 'rtsp://u:p@cam/a')).toEqual({ probe: h264, ageMs: 500 });
    // A changed URL must be probed again.
    expect(cache.get('a', 'rtsp://u:p@cam/other')).toBeUndefined();
    expect(cache.get('a', 'rtsp://u:p@cam/a')).toBeUndefined();
    cache.set('a', 'rtsp://cam/a', h264);
    now += 60_001;
    expect(cache.get('a', 'rtsp://cam/a')).toBeUndefined();
    cache.set('a', 'rtsp://cam/a', h264);
    cache.set('b', 'rtsp://cam/b', h264);
    cache.set('c', 'rtsp://cam/c', h264);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 'rtsp://cam/a')).toBeUndefined();
    expect(cache.get('c', 'rtsp://cam/c')?.probe).toEqual(h264);
  });
});

describe('CameraPull with a cached probe', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-cache-'));
    // ffprobe: counts its calls and says the camera now sends H.265 (its codec changed).
    fs.writeFileSync(
      path.join(dir, 'ffprobe'),
      `#!/bin/sh\necho x >> "${dir}/probes"\necho '{"streams":[{"codec_type":"video","codec_name":"hevc","width":640,"height":360}]}'\n`,
      { mode: 0o755 },
    );
    // ffmpeg: fails at once, before any frame.
    fs.writeFileSync(path.join(dir, 'ffmpeg'), '#!/bin/sh\necho "Invalid data found when processing input" >&2\nexit 1\n', { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const probes = () => (fs.existsSync(path.join(dir, 'probes')) ? fs.readFileSync(path.join(dir, 'probes'), 'utf8').split('\n').filter(Boolean).length : 0);

  function fakeSfu(): IngestClient & { reports: IngestStateReport[]; opens: number; probesAtOpen: number[] } {
    let generation = 0;
    const sfu = {
      reports: [] as IngestStateReport[],
      opens: 0,
      probesAtOpen: [] as number[],
      open: (cameraId: string): Promise<OpenedIngest> => {
        sfu.opens++;
        sfu.probesAtOpen.push(probes());
        generation++;
        return Promise.resolve({
          point: { cameraId, generation, video: { ip: '127.0.0.1', rtpPort: 9, rtcpPort: 9, payloadType: 96, ssrc: 1 } },
          source: { video: { rtpPort: 9, rtcpPort: 9 } },
        });
      },
      close: () => Promise.resolve(),
      report: (r: IngestStateReport) => sfu.reports.push(r),
      health: () => undefined,
    };
    return sfu;
  }

  it('skips ffprobe on its first attempt, and re-probes after that attempt fails before a frame', async () => {
    const cache = new ProbeCache();
    const url = 'rtsp://127.0.0.1:1/cam';
    cache.set('cam1', url, h264);
    const sfu = fakeSfu();
    const logger = createLogger('test', { level: 'silent' });
    const pull = new CameraPull({ id: 'cam1', url } as never, sfu, { ffmpegPath: path.join(dir, 'ffmpeg'), ffprobePath: path.join(dir, 'ffprobe') }, logger, new Backoff(20, 20, 0), cache);
    pull.start();
    try {
      // First attempt: planned from the cache (passthrough), no ffprobe.
      const deadline = Date.now() + 10_000;
      while (sfu.opens < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(sfu.opens).toBeGreaterThanOrEqual(2);
      expect(sfu.probesAtOpen.slice(0, 2)).toEqual([0, 1]);
      // The retry probed afresh once, and planned from what the camera sends now.
      expect(probes()).toBeGreaterThanOrEqual(1);
      expect(pull.probe?.video?.codec).toBe('hevc');
      expect(pull.plan?.video.mode).toBe('transcode');
      expect(sfu.reports.some((r) => r.state === 'offline')).toBe(true);
      // The cache no longer offers the stale H.264 probe.
      expect(cache.get('cam1', url)?.probe.video?.codec ?? 'none').not.toBe('h264');
    } finally {
      await pull.stop();
    }
  });

  it('probes when the cache has nothing for the camera', async () => {
    fs.rmSync(path.join(dir, 'probes'), { force: true });
    const cache = new ProbeCache();
    const url = 'rtsp://127.0.0.1:1/cam2';
    const sfu = fakeSfu();
    const pull = new CameraPull({ id: 'cam2', url } as never, sfu, { ffmpegPath: path.join(dir, 'ffmpeg'), ffprobePath: path.join(dir, 'ffprobe') }, createLogger('test', { level: 'silent' }), new Backoff(60_000, 60_000, 0), cache);
    pull.start();
    try {
      const deadline = Date.now() + 10_000;
      while (sfu.opens < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(probes()).toBe(1);
    } finally {
      await pull.stop();
    }
  });
});
