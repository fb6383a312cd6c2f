import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@county/shared';
import { resolveFfmpeg, type Logger } from '@county/shared/node';
import { CameraDemand } from './cameras/CameraDemand';
import { CameraFeeds } from './cameras/CameraFeeds';
import { HealthMonitor } from './cameras/HealthMonitor';
import { SiteDirectory } from './cameras/SiteDirectory';
import { Snapshots } from './cameras/Snapshots';
import { HlsStreams } from './cameras/HlsStreams';
import { PtzControl } from './cameras/Ptz';
import { OnvifDevices } from './cameras/OnvifDevices';
import { KeyframeRequests } from './cameras/KeyframeRequests';
import { Recordings } from './cameras/Recordings';
import { CameraRegistry } from './cameras/CameraRegistry';
import { CameraNetworks } from './cameras/CameraNetworks';
import { CameraStore } from './cameras/CameraStore';
import { importCamerasFile } from './cameras/camerasFile';
import { isLoopback, type SfuConfig } from './config';
import { Accounts } from './auth/Accounts';
import { AuditLog } from './audit/AuditLog';
import { apiRouter } from './http/api';
import { MapImage } from './map/MapImage';
import { MeetingStore } from './meetings/MeetingStore';
import { Meetings } from './meetings/Meetings';
import { WarmStreams } from './wall/WarmStreams';
import { MeetingRecordings } from './meetings/MeetingRecordings';
import { connectBus, connectRedis } from './store/redis';
import { createAdapter } from '@socket.io/redis-adapter';
import { ensureCountyCertificates, lanAddresses } from './tls/CountyCa';
import { WorkerPool } from './media/WorkerPool';
import { PortRange } from './media/PortRange';
import { Rooms } from './rooms/Rooms';
import { attachBrowserNamespace } from './signalling/browserNamespace';
import { attachIngestNamespace } from './signalling/ingestNamespace';
import { Screens } from './wall/Screens';
import { ScreenStore } from './wall/ScreenStore';
import { Tours } from './wall/Tours';
import { Incidents } from './incidents/Incidents';
import { Plans } from './incidents/Plans';

/** Everything one SFU node runs, wired together; `close()` stops it all. */
export class SfuServer {
  private constructor(
    readonly http: http.Server,
    /** Plain HTTP on 127.0.0.1 beside a TLS listener on the LAN (LOCAL_HTTP_PORT). */
    readonly localHttp: http.Server | undefined,
    readonly io: Server,
    private readonly engines: Server['engine'][],
    readonly redis: Redis,
    readonly accounts: Accounts,
    readonly pool: WorkerPool,
    readonly registry: CameraRegistry,
    readonly feeds: CameraFeeds,
    readonly demand: CameraDemand,
    readonly health: HealthMonitor,
    readonly snapshots: Snapshots,
    readonly hls: HlsStreams,
    readonly recordings: Recordings,
    readonly rooms: Rooms,
    readonly keyframes: KeyframeRequests,
    readonly tours: Tours,
    readonly meetings: Meetings,
    private readonly bus: { close(): Promise<void> },
    private readonly logger: Logger,
  ) {}

  static async create(config: SfuConfig, logger: Logger): Promise<SfuServer> {
    const redis = connectRedis(config.REDIS_URL, logger);
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw new Error(`cannot reach Redis at REDIS_URL (${(err as Error).message})`);
    }
    let pool: WorkerPool;
    let bus: Awaited<ReturnType<typeof connectBus>> | undefined;
    try {
      pool = await WorkerPool.create({
        workers: config.MEDIASOUP_WORKERS,
        rtcMinPort: config.RTC_MIN_PORT,
        rtcMaxPort: config.RTC_MAX_PORT,
        webRtcServer:
          config.WEBRTC_SERVER === 'on'
            ? { listenIp: config.RTC_LISTEN_IP, announcedIp: config.RTC_ANNOUNCED_IP, port: config.WEBRTC_PORT }
            : undefined,
        logger,
      });
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    try {
      const accounts = await Accounts.create(
        redis,
        { tokenTtlS: config.AUTH_TOKEN_TTL_S, sessionHours: config.AUTH_SESSION_H, displayDays: config.AUTH_DISPLAY_DAYS },
        logger,
      );
      const firstAdmin = await accounts.bootstrapAdmin(config.ADMIN_PASSWORD);
      const audit = new AuditLog(redis, logger);
      const sites = new SiteDirectory(redis);
      const meetingStore = new MeetingStore(redis);
      const networks = new CameraNetworks(config.CAMERA_NETWORKS);
      const registry = new CameraRegistry(new CameraStore(redis), sites, logger, config.MAX_CAMERAS, networks);
      const feeds = new CameraFeeds(
        registry,
        pool,
        {
          listenIp: config.INGEST_LISTEN_IP,
          announcedIp: config.INGEST_ANNOUNCED_IP,
          ports: new PortRange(config.INGEST_MIN_PORT, config.INGEST_MAX_PORT, 'INGEST_MIN_PORT..INGEST_MAX_PORT'),
        },
        logger,
      );
      const demand = new CameraDemand(registry, feeds, config.ON_DEMAND_GRACE_S * 1000, logger, config.MAX_ON_DEMAND_PULLS);
      const health = new HealthMonitor(registry, feeds, { intervalMs: 2000, silenceMs: config.CAMERA_SILENCE_S * 1000, noMediaMs: config.CAMERA_NO_MEDIA_S * 1000, logger });
      // ffmpeg serves snapshots (and HLS, recording); resolved when first needed.
      let ffmpeg: string | undefined;
      const ffmpegPath = () => (ffmpeg ??= resolveFfmpeg());
      const snapshots = new Snapshots(feeds, demand, ffmpegPath, logger);
      const hls = new HlsStreams(feeds, demand, ffmpegPath, logger, config.MAX_HLS_SESSIONS);
      const recordings = new Recordings(registry, feeds, demand, ffmpegPath, {
        dir: path.resolve(config.RECORDINGS_DIR),
        segmentSeconds: config.RECORDING_SEGMENT_S,
        retentionHours: config.RECORDING_RETENTION_H,
        maxBytesPerCamera: config.RECORDING_MAX_MB * 1024 * 1024,
      }, logger);
      // One ONVIF connection per camera, shared by PTZ and keyframe requests.
      const onvif = new OnvifDevices(registry, logger);
      const keyframes = new KeyframeRequests(feeds, registry, onvif, logger);
      const rooms = new Rooms(
        pool,
        { listenIp: config.RTC_LISTEN_IP, announcedIp: config.RTC_ANNOUNCED_IP, simpleStreamBwe: config.CAMERA_VIEWER_BWE === 'on' },
        { maxTransports: config.MAX_TRANSPORTS_PER_PEER, maxConsumers: config.MAX_CONSUMERS_PER_PEER },
      );
      const screens = new Screens(new ScreenStore(redis), registry, config.WALL_PAGE_HOSTS.split(',').map((h) => h.trim()).filter(Boolean));
      const restored = await registry.restore();
      // The file seeds an empty county once; after that Redis is the truth.
      if (config.CAMERAS_FILE && restored === 0) await importCamerasFile(config.CAMERAS_FILE, { sites, registry, logger });
      const warmStreams = new WarmStreams(screens, registry, demand, logger);
      await warmStreams.start();
      const tours = new Tours(redis, screens, registry, { minDwellS: config.TOUR_MIN_DWELL_S, logger });
      const incidents = new Incidents(redis, { screens, registry, sites });
      const plans = new Plans(redis, { screens, registry, sites });

      const app = express();
      app.disable('x-powered-by');
      // Browser hardening for every answer: no MIME sniffing, no framing of the console (clickjacking).
      app.use((req, res, next) => {
        res.set({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin' });
        if (req.secure) res.set('Strict-Transport-Security', 'max-age=31536000');
        next();
      });
      const tls = await tlsOptions(config, logger);
      const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, app) : http.createServer(app);
      server.requestTimeout = 60_000; // no request lives longer (snapshots and HLS wait at most 15 s)
      const localHttp = tls && config.LOCAL_HTTP_PORT !== undefined ? http.createServer(app) : undefined;
      const allowedOrigins = new Set(config.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean));
      const io = new Server<ClientToServerEvents, ServerToClientEvents>({
        serveClient: false,
        maxHttpBufferSize: 256 * 1024,
        // A page from another origin must not drive the SFU with a user's token.
        allowRequest: (req, done) => {
          const origin = req.headers.origin;
          if (origin === undefined || allowedOrigins.has(origin) || sameOrigin(origin, req.headers.host)) done(null, true);
          else {
            logger.warn({ origin, address: req.socket.remoteAddress }, 'socket.io connection from a foreign origin refused');
            done('origin not allowed', false);
          }
        },
      });
      // Room news (screens, meetings, calls, camera status) reaches sockets on every node sharing this Redis.
      bus = await connectBus(config.REDIS_URL, logger);
      io.adapter(createAdapter(bus.pub, bus.sub, { key: 'cv:io' }));
      // One engine per listener (socket.io keeps only the last in io.engine): both are closed at shutdown.
      io.attach(server);
      const engines = [io.engine];
      if (localHttp) {
        io.attach(localHttp);
        engines.push(io.engine);
      }
      const meetings = new Meetings(meetingStore, sites, registry, feeds, demand, audit, {
        toSocket: (socketId, event, ...args) => io.to(socketId).emit(event, ...args),
        toMeeting: (meetingId, event, ...args) => io.to(`meeting:${meetingId}`).emit(event, ...args),
        toUser: (username, event, ...args) => io.to(`user:${username}`).emit(event, ...args),
      }, logger, async (siteId, townshipId) =>
        (await accounts.list())
          .filter((u) => !u.disabled && ((u.role === 'inspector' && u.siteIds?.includes(siteId)) || (townshipId !== undefined && u.role === 'township' && u.townshipId === townshipId)))
          .map((u) => u.username),
      (meetingId, name, expiresAt) => accounts.guestToken(meetingId, name, expiresAt),
      new MeetingRecordings(path.resolve(config.RECORDINGS_DIR)),
      config.MEETING_GRACE_S * 1000);
      attachBrowserNamespace(io, { rooms, registry, feeds, demand, health, accounts, meetings, screens, logger });
      const ingest = attachIngestNamespace(io, { registry, feeds, health, token: config.GATEWAY_TOKEN, logger });

      const caCert = tls?.caCert;
      if (caCert) app.get('/ca.crt', (_req, res) => res.type('application/x-x509-ca-cert').send(caCert));
      app.use(
        '/api',
        apiRouter({
          accounts,
          audit,
          registry,
          sites,
          meetings,
          meetingStore,
          feeds,
          snapshots,
          hls,
          recordings,
          ptz: new PtzControl(registry, logger, onvif),
          pool,
          rooms,
          screens,
          tours,
          incidents,
          plans,
          mapImage: new MapImage(redis),
          gatewayCount: () => ingest.sockets.size,
          logger,
        }),
      );
      if (config.UI_DIST) serveUi(app, config.UI_DIST, logger);

      const renewal = tls?.caCert && server instanceof https.Server ? renewDaily(server, config, logger) : undefined;
      server.once('close', () => clearInterval(renewal));
      await listen(server, config.PORT, config.HOST);
      if (localHttp) await listen(localHttp, config.LOCAL_HTTP_PORT!, '127.0.0.1');
      const sfu = new SfuServer(server, localHttp, io, engines, redis, accounts, pool, registry, feeds, demand, health, snapshots, hls, recordings, rooms, keyframes, tours, meetings, bus, logger);
      // Running tours carry on once the node is listening; a tour is not worth refusing to start over.
      await tours.resume().catch((err: unknown) => logger.error({ err }, 'running tours could not be resumed'));
      logger.info({ address: sfu.url, tls: Boolean(tls), workers: pool.workerCount }, 'sfu-server listening');
      if (firstAdmin?.generated) {
        // Shown once on the console, never logged: the admin changes it after signing in.
        process.stdout.write(
          `\n  First admin account — username: admin  password: ${firstAdmin.generated}\n  Sign in at ${sfu.url}/login (the password is not shown again)\n\n`,
        );
      }
      return sfu;
    } catch (err) {
      pool.close();
      await bus?.close();
      redis.disconnect();
      throw err;
    }
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    const a = this.http.address() as AddressInfo;
    const scheme = this.http instanceof https.Server ? 'https' : 'http';
    return `${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** Stops everything; a step that fails is logged and the rest still runs. */
  async close(): Promise<void> {
    const step = async (name: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        this.logger.error({ err, step: name }, 'shutdown step failed');
      }
    };
    await step('tours', () => this.tours.close());
    await step('health', () => this.health.close());
    await step('snapshots', () => this.snapshots.close());
    await step('hls', () => this.hls.close());
    await step('recordings', () => this.recordings.close());
    await step('demand', () => this.demand.close());
    await step('keyframes', () => this.keyframes.close());
    await step('feeds', () => this.feeds.closeAll());
    await step('meetings', () => this.meetings.closeAll());
    await step('rooms', () => this.rooms.closeAll());
    // A request still waiting (a snapshot for a camera that never answers) must not hold
    // the shutdown: drop open connections, then close socket.io and the HTTP server.
    await step('http', async () => {
      this.http.closeAllConnections();
      this.localHttp?.closeAllConnections();
      for (const engine of this.engines) engine.close();
      await this.io.close();
      // io.close() closes only the last server it was attached to.
      await Promise.all([this.http, this.localHttp].map((s) => s && closeServer(s)));
    });
    await step('workers', () => this.pool.close());
    await step('redis bus', () => this.bus.close());
    await step('redis', () => this.redis.quit());
    this.logger.info('sfu-server closed');
  }
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * TLS from TLS_CERT/TLS_KEY; else, on a LAN address (or TLS=on), a certificate from the
 * county CA generated in DATA_DIR/tls. Browsers give getUserMedia only to HTTPS pages.
 */
async function tlsOptions(config: SfuConfig, logger: Logger): Promise<{ key: string; cert: string; caCert?: string } | undefined> {
  if (config.TLS_CERT && config.TLS_KEY) {
    return { key: fs.readFileSync(config.TLS_KEY, 'utf8'), cert: fs.readFileSync(config.TLS_CERT, 'utf8') };
  }
  if (config.TLS === 'off' || (config.TLS === 'auto' && isLoopback(config.HOST))) return undefined;
  return ensureCountyCertificates({ dir: path.join(config.DATA_DIR, 'tls'), hosts: generatedHosts(config), logger });
}

function generatedHosts(config: SfuConfig): string[] {
  const extra = config.TLS_HOSTS.split(',').map((h) => h.trim()).filter(Boolean);
  return [...lanAddresses(config.HOST), ...extra];
}

/** A generated server certificate lives 397 days: look daily, and swap in a renewed one without a restart. */
function renewDaily(server: https.Server, config: SfuConfig, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    ensureCountyCertificates({ dir: path.join(config.DATA_DIR, 'tls'), hosts: generatedHosts(config), logger }).then(
      ({ key, cert }) => server.setSecureContext({ key, cert }),
      (err: unknown) => logger.error({ err }, 'TLS certificate renewal failed'),
    );
  }, 24 * 3_600_000);
  timer.unref();
  return timer;
}

/** Serves the built control-ui, with client-side routes (/wall, ...) falling back to index.html. */
function serveUi(app: express.Express, dist: string, logger: Logger): void {
  const index = path.join(dist, 'index.html');
  if (!fs.existsSync(index)) {
    logger.warn({ dist }, 'UI_DIST has no index.html; the UI is not served (run npm run build)');
    return;
  }
  app.use(express.static(dist, { index: false, maxAge: '1h' }));
  app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => res.sendFile(index));
}
