import { execFileSync, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { INGEST_NAMESPACE, type Ack, type ClientToServerEvents, type IngestPoint, type ServerToClientEvents, type TransportOptions } from '@county/shared';
import { createLogger } from '@county/shared/node';
import { pullArgs } from '../../camera-gateway/src/ffmpeg/ffmpegArgs';
import { SourcePorts } from '../../camera-gateway/src/SourcePorts';
import { loadConfig } from '../../sfu-server/src/config';
import { MediaPeer } from '../../sfu-server/src/media/MediaPeer';
import { WorkerPool } from '../../sfu-server/src/media/WorkerPool';
import { startSimCamera, type SimCamera } from '../support/simCamera';
import { api, browserSocket, cameraStatus, GATEWAY_TOKEN, gatewayTools, LogCapture, startStack, testPortRanges, waitFor, type Stack } from '../support/stack';

type BrowserSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const emit = <T>(socket: BrowserSocket, event: string, payload: unknown) =>
  socket.timeout(10_000).emitWithAck(event as 'room:join', payload as never) as Promise<Ack<T>>;

/** Local UDP ports the given processes hold (`ss`), e.g. a mediasoup worker's sockets. */
function udpPortsOf(pids: number[]): number[] {
  const out = execFileSync('ss', ['-uanp'], { encoding: 'utf8' });
  const ports: number[] = [];
  for (const line of out.split('\n')) {
    if (!pids.some((pid) => line.includes(`pid=${pid},`))) continue;
    const m = /\S+:(\d+)\s+\S+:\S+\s+users:/.exec(line);
    if (m) ports.push(Number(m[1]));
  }
  return ports;
}

// Issue 9, "ports that scale": browsers reach each mediasoup worker on one UDP and one TCP
// port (its WebRtcServer), a camera's ingest takes one port of its own range for video and
// audio, RTP and RTCP, and the start refuses ranges that cannot hold MAX_CAMERAS.
describe('ports that scale', () => {
  // The suite's own ingest range: 500 ports (up to the next jest worker's ranges) hold MAX_CAMERAS 250 (main + sub each).
  const { ingestMin } = testPortRanges();
  const ingestMax = ingestMin + 499;

  // No gateway: nobody else opens or closes the ingests opened here by hand.
  describe('browsers: one UDP and one TCP port per worker; ingest ports without media', () => {
    let stack: Stack;
    const sockets: BrowserSocket[] = [];
    beforeAll(async () => {
      // Ingests opened by hand get no media: not dropped as silent while the test looks.
      stack = await startStack({
        gateway: false,
        env: { MAX_TRANSPORTS_PER_PEER: '4', CAMERA_NO_MEDIA_S: '600', INGEST_MIN_PORT: String(ingestMin), INGEST_MAX_PORT: String(ingestMax), MAX_CAMERAS: '250' },
      });
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await stack?.stop();
    });

    async function transportsOf(roomCount: number, perRoom: number): Promise<TransportOptions[]> {
      const made: TransportOptions[] = [];
      for (let r = 0; r < roomCount; r++) {
        const socket = browserSocket(stack.baseUrl);
        sockets.push(socket);
        expect(await emit(socket, 'room:join', { roomId: `wall:ports-${Date.now()}-${r}` })).toMatchObject({ ok: true });
        const acks = await Promise.all(Array.from({ length: perRoom }, () => emit<TransportOptions>(socket, 'transport:create', { direction: 'recv' })));
        for (const ack of acks) {
          if (!ack.ok) throw new Error(ack.error.message);
          made.push(ack.data);
        }
      }
      return made;
    }

    it('52 transports through the socket API all share the two workers\' ports (WEBRTC_PORT + worker index)', async () => {
      const webRtcPorts = stack.sfu.pool.webRtcPorts;
      expect(webRtcPorts).toHaveLength(2);
      expect(webRtcPorts[1]).toBe(webRtcPorts[0]! + 1);
      const before = await stack.sfu.pool.transportCount();
      const udpBefore = udpPortsOf(stack.sfu.pool.workerPids).length;

      const transports = await transportsOf(13, 4);
      expect(transports).toHaveLength(52);
      expect((await stack.sfu.pool.transportCount()) - before).toBe(52);
      const udp = new Set<number>();
      const tcp = new Set<number>();
      for (const t of transports) {
        // One UDP candidate (preferred) and one TCP candidate, on the same port of the transport's worker.
        const byProtocol = Object.fromEntries(t.iceCandidates.map((c) => [c.protocol, c]));
        expect(Object.keys(byProtocol).sort()).toEqual(['tcp', 'udp']);
        expect(byProtocol.udp!.priority).toBeGreaterThan(byProtocol.tcp!.priority);
        expect(byProtocol.udp!.port).toBe(byProtocol.tcp!.port);
        udp.add(byProtocol.udp!.port);
        tcp.add(byProtocol.tcp!.port);
      }
      // Rooms spread over both workers: both ports in use, and no other.
      expect([...udp].sort()).toEqual(webRtcPorts);
      expect([...tcp].sort()).toEqual(webRtcPorts);
      // The workers opened no UDP socket for them (a socket per transport before).
      expect(udpPortsOf(stack.sfu.pool.workerPids).length).toBe(udpBefore);
    });

    it('a worker that dies is replaced with its WebRTC server on the same port', async () => {
      const ports = stack.sfu.pool.webRtcPorts;
      const [victim, survivor] = stack.sfu.pool.workerPids;
      const [victimPort] = udpPortsOf([victim!]).filter((p) => ports.includes(p));
      expect(victimPort).toBeDefined();
      process.kill(victim!, 'SIGKILL');
      await waitFor('the pool whole again with a new worker', () => {
        const pids = stack.sfu.pool.workerPids;
        return pids.length === 2 && !pids.includes(victim!) && pids.includes(survivor!);
      });
      expect(stack.sfu.pool.webRtcPorts).toEqual(ports);
      const replacement = stack.sfu.pool.workerPids.find((p) => p !== survivor)!;
      // The new worker really listens on the dead one's port, and browsers are given it.
      expect(udpPortsOf([replacement])).toContain(victimPort);
      // New rooms go to the emptier (new) worker: its browsers get the dead worker's port.
      const transports = await transportsOf(3, 1);
      expect(new Set(transports.flatMap((t) => t.iceCandidates.map((c) => c.port)))).toEqual(new Set([victimPort]));
    });

    it('200 cameras with audio open ingests: one port each, every one in INGEST_MIN_PORT..INGEST_MAX_PORT', async () => {
      // A gateway that pulls nothing: with none connected the SFU closes every ingest.
      const gateway = io(`${stack.baseUrl}${INGEST_NAMESPACE}`, { auth: { token: GATEWAY_TOKEN, gatewayId: 'ports' }, transports: ['websocket'], forceNew: true });
      sockets.push(gateway as unknown as BrowserSocket);
      const assigned = new Set<string>();
      gateway.on('ingest:assign', (cams: { id: string }[]) => cams.forEach((c) => assigned.add(c.id)));
      await new Promise<void>((resolve) => gateway.once('connect', () => resolve()));
      const ids = Array.from({ length: 200 }, (_, i) => `bulk-${i}`);
      for (const id of ids) {
        expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id, name: id, url: 'rtsp://127.0.0.1:9/none', pull: 'always' })).status).toBe(201);
      }
      await waitFor('every camera assigned', () => assigned.size === ids.length);
      const workers = stack.sfu.pool.workerPids;
      const socketsBefore = udpPortsOf(workers).length;
      const transportsBefore = await stack.sfu.pool.transportCount();
      const points: IngestPoint[] = [];
      for (const [i, id] of ids.entries()) {
        // Fake gateway source ports: no media needed to see which ports the SFU binds.
        const source = { rtpPort: 20_000 + i, rtcpPort: 20_000 + i };
        points.push(await stack.sfu.feeds.open(id, { peerIp: '127.0.0.1', video: source, audio: source }));
      }
      for (const p of points) {
        expect(p.audio).toBeDefined();
        expect([p.video.rtcpPort, p.audio!.rtpPort, p.audio!.rtcpPort]).toEqual([p.video.rtpPort, p.video.rtpPort, p.video.rtpPort]);
        expect(p.video.ssrc).not.toBe(p.audio!.ssrc);
        expect(p.video.rtpPort).toBeGreaterThanOrEqual(ingestMin);
        expect(p.video.rtpPort).toBeLessThanOrEqual(ingestMax);
      }
      expect(new Set(points.map((p) => p.video.rtpPort)).size).toBe(200);
      // One transport and one UDP socket per camera, at the workers.
      expect((await stack.sfu.pool.transportCount()) - transportsBefore).toBe(200);
      const added = udpPortsOf(workers).length - socketsBefore;
      expect(added).toBe(200);
      const perCamera = added / ids.length;
      expect(perCamera).toBe(1);

      for (const id of ids) stack.sfu.feeds.close(id);
      await waitFor('their transports closed', async () => (await stack.sfu.pool.transportCount()) === transportsBefore);
      await waitFor('their sockets closed', () => udpPortsOf(workers).length === socketsBefore);
      // Released ports are handed out again.
      const again = await stack.sfu.feeds.open('bulk-0', { peerIp: '127.0.0.1', video: { rtpPort: 20_000, rtcpPort: 20_000 } });
      expect(again.video.rtpPort).toBeGreaterThanOrEqual(ingestMin);
      stack.sfu.feeds.close('bulk-0');
    }, 120_000);

    it('refuses a source that would send from several ports', async () => {
      await expect(
        stack.sfu.feeds.open('bulk-1', { peerIp: '127.0.0.1', video: { rtpPort: 21_000, rtcpPort: 21_001 } }),
      ).rejects.toThrow(/one port/);
    });

    it('WEBRTC_SERVER=off: each transport takes a port of its own from the RTC range', async () => {
      const pool = await WorkerPool.create({
        workers: 1,
        rtcMinPort: 46900,
        rtcMaxPort: 46999,
        logger: createLogger('test', { destination: new LogCapture(), level: 'warn' }),
      });
      try {
        const router = pool.leastLoadedRouter();
        const peer = new MediaPeer('off', router, pool, { listenIp: '127.0.0.1' }, () => undefined, { maxTransports: 10, maxConsumers: 1 });
        const transports = await Promise.all(Array.from({ length: 5 }, () => peer.createTransport()));
        const udp = transports.map((t) => t.iceCandidates.find((c) => c.protocol === 'udp')!.port);
        expect(new Set(udp).size).toBe(5);
        for (const port of udp) expect(port >= 46900 && port <= 46999).toBe(true);
        peer.close();
      } finally {
        pool.close();
      }
    });
  });

  describe('a real camera with audio', () => {
    let stack: Stack;
    let camera: SimCamera;
    beforeAll(async () => {
      camera = await startSimCamera({ mounts: ['/av=h264+aac'] });
      stack = await startStack({ env: { INGEST_MIN_PORT: String(ingestMin), INGEST_MAX_PORT: String(ingestMax), MAX_CAMERAS: '250' } });
    });
    afterAll(async () => {
      await stack?.stop();
      await camera?.stop();
    });

    it('a real camera with audio: video and audio reach one plain transport (RTCP muxed) on one ingest port', async () => {
      expect((await api(stack.baseUrl, 'POST', '/api/cameras', { id: 'av', name: 'with audio', url: camera.url('/av'), pull: 'always' })).status).toBe(201);
      await waitFor('camera online', async () => (await cameraStatus(stack.baseUrl, 'av')) === 'online', 30_000);
      const feed = [...stack.sfu.feeds.feeds()].find((f) => f.cameraId === 'av')!;
      expect(feed.audio).toBeDefined();
      expect(feed.audio!.transport).toBe(feed.video.transport);
      const { transport, port } = feed.video.transport;
      expect(port).toBeGreaterThanOrEqual(ingestMin);
      expect(port).toBeLessThanOrEqual(ingestMax);
      expect(transport.tuple.localPort).toBe(port);
      expect(transport.rtcpTuple).toBeUndefined(); // rtcpMux: no second socket
      await waitFor('audio RTP reaches its producer', async () => (await feed.audio!.producer.getStats()).some((s) => s.byteCount > 0), 15_000);
      // Measured at the OS: the workers hold exactly one UDP socket in the ingest range.
      const inRange = udpPortsOf(stack.sfu.pool.workerPids).filter((p) => p >= ingestMin && p <= ingestMax);
      expect(inRange).toEqual([port]);
    }, 60_000);


    // What the worker cannot show (it counts no RTCP apart): the gateway's ffmpeg really sends
    // video RTP, audio RTP and their RTCP sender reports from one port to one port.
    it('the gateway\'s ffmpeg sends video, audio and RTCP from one port to one port', async () => {
      const receiver = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
      const seen = new Map<string, number>();
      receiver.on('message', (m, from) => {
        const what = m[1]! >= 200 && m[1]! <= 204 ? `rtcp ${m[1]}` : `rtp ${m[1]! & 0x7f}`;
        const key = `${from.port} ${what}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      });
      const port = receiver.address().port;
      const from = await new SourcePorts().source();
      const endpoint = (payloadType: number, ssrc: number) => ({ ip: '127.0.0.1', rtpPort: port, rtcpPort: port, payloadType, ssrc });
      const point = { cameraId: 'probe', generation: 1, video: endpoint(96, 1111), audio: endpoint(100, 2222) };
      const ffmpeg = spawn(gatewayTools().ffmpegPath, pullArgs(camera.url('/av'), { video: { mode: 'copy' }, audio: true }, point, { video: from, audio: from }), {
        stdio: 'ignore',
      });
      try {
        // ffmpeg's first sender reports come ~5 s in.
        await waitFor('video, audio and RTCP of both', () => ['rtp 96', 'rtp 100', 'rtcp 200'].every((w) => seen.has(`${from.rtpPort} ${w}`)), 20_000);
        expect([...seen.keys()].every((k) => k.startsWith(`${from.rtpPort} `))).toBe(true);
      } finally {
        ffmpeg.kill('SIGKILL');
        receiver.close();
      }
    }, 30_000);
  });

  describe('the start refuses ranges that do not fit', () => {
    const base = { GATEWAY_TOKEN, REDIS_URL: 'redis://127.0.0.1:1', MEDIASOUP_WORKERS: '2' };

    it('an ingest range too small for MAX_CAMERAS, naming the variables', () => {
      expect(() => loadConfig({ ...base, INGEST_MIN_PORT: '41000', INGEST_MAX_PORT: '41099', MAX_CAMERAS: '1000' })).toThrow(
        'INGEST_MIN_PORT..INGEST_MAX_PORT (41000-41099) holds 100 ports; MAX_CAMERAS=1000 needs 2000',
      );
      expect(loadConfig({ ...base, INGEST_MIN_PORT: '41000', INGEST_MAX_PORT: '41099', MAX_CAMERAS: '50' }).INGEST_MAX_PORT).toBe(41099);
    });

    it('WebRTC ports inside the ingest or RTC range, and overlapping ranges', () => {
      expect(() => loadConfig({ ...base, WEBRTC_PORT: '41999' })).toThrow(
        'WEBRTC_PORT..WEBRTC_PORT+MEDIASOUP_WORKERS-1 (41999-42000) overlaps INGEST_MIN_PORT..INGEST_MAX_PORT (41000-42999)',
      );
      expect(() => loadConfig({ ...base, WEBRTC_PORT: '40500' })).toThrow('overlaps RTC_MIN_PORT..RTC_MAX_PORT (40000-40999)');
      expect(() => loadConfig({ ...base, RTC_MAX_PORT: '41000' })).toThrow('INGEST_MIN_PORT..INGEST_MAX_PORT (41000-42999) overlaps RTC_MIN_PORT..RTC_MAX_PORT');
      // Without WebRTC servers the WebRTC port is not used.
      expect(loadConfig({ ...base, WEBRTC_SERVER: 'off', WEBRTC_PORT: '41999' }).WEBRTC_SERVER).toBe('off');
    });

    it('the server process stops at start with that message and exit code 1', () => {
      const main = path.resolve(__dirname, '../../sfu-server/dist/main.js');
      const r = spawnSync(process.execPath, [main], {
        env: { PATH: process.env.PATH, ...base, INGEST_MIN_PORT: '41000', INGEST_MAX_PORT: '41099' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('MAX_CAMERAS=1000 needs 2000');
      expect(r.stdout).toContain('sfu-server failed to start');
    });
  });
});
