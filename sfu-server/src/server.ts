import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
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
import { Recordings } from './cameras/Recordings';
import { CameraRegistry } from './cameras/CameraRegistry';
import { MemoryCameraStore, type CameraStore } from './cameras/CameraStore';
import { readCamerasFile } from './cameras/camerasFile';
import type { SfuConfig } from './config';
import { apiRouter } from './http/api';
import { WorkerPool } from './media/WorkerPool';
import { Rooms } from './rooms/Rooms';
import { attachBrowserNamespace } from './signalling/browserNamespace';
import { attachIngestNamespace } from './signalling/ingestNamespace';

/** Everything one SFU node runs, wired together; `close()` stops it all. */
export class SfuServer {
  private constructor(
    readonly http: http.Server,
    readonly io: Server,
    readonly pool: WorkerPool,
    readonly registry: CameraRegistry,
    readonly feeds: CameraFeeds,
    readonly demand: CameraDemand,
    readonly health: HealthMonitor,
    readonly snapshots: Snapshots,
    readonly hls: HlsStreams,
    readonly recordings: Recordings,
    readonly rooms: Rooms,
    private readonly logger: Logger,
  ) {}

  static async create(config: SfuConfig, logger: Logger, store: CameraStore = new MemoryCameraStore()): Promise<SfuServer> {
    const pool = await WorkerPool.create({
      workers: config.MEDIASOUP_WORKERS,
      rtcMinPort: config.RTC_MIN_PORT,
      rtcMaxPort: config.RTC_MAX_PORT,
      logger,
    });
    try {
      const sites = new SiteDirectory();
      const registry = new CameraRegistry(store, sites, logger, config.MAX_CAMERAS);
      const feeds = new CameraFeeds(
        registry,
        pool,
        { listenIp: config.INGEST_LISTEN_IP, announcedIp: config.INGEST_ANNOUNCED_IP },
        logger,
      );
      const demand = new CameraDemand(registry, feeds, config.ON_DEMAND_GRACE_S * 1000, logger);
      const health = new HealthMonitor(registry, feeds, { intervalMs: 2000, silenceMs: config.CAMERA_SILENCE_S * 1000 });
      // ffmpeg serves snapshots (and HLS, recording); resolved when first needed.
      let ffmpeg: string | undefined;
      const ffmpegPath = () => (ffmpeg ??= resolveFfmpeg());
      const snapshots = new Snapshots(feeds, demand, ffmpegPath, logger);
      const hls = new HlsStreams(feeds, demand, ffmpegPath, logger);
      const recordings = new Recordings(registry, feeds, demand, ffmpegPath, {
        dir: path.resolve(config.RECORDINGS_DIR),
        segmentSeconds: config.RECORDING_SEGMENT_S,
        retentionHours: config.RECORDING_RETENTION_H,
        maxBytesPerCamera: config.RECORDING_MAX_MB * 1024 * 1024,
      }, logger);
      const rooms = new Rooms(pool, { listenIp: config.RTC_LISTEN_IP, announcedIp: config.RTC_ANNOUNCED_IP });
      if (config.CAMERAS_FILE) {
        const file = readCamerasFile(config.CAMERAS_FILE);
        for (const t of file.townships) await sites.addTownship(t);
        for (const s of file.sites) await sites.addSite(s);
        for (const cam of file.cameras) await registry.add(cam);
      }

      const app = express();
      app.disable('x-powered-by');
      const server = http.createServer(app);
      server.requestTimeout = 60_000; // no request lives longer (snapshots and HLS wait at most 15 s)
      const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
        serveClient: false,
        maxHttpBufferSize: 256 * 1024,
      });
      attachBrowserNamespace(io, { rooms, registry, feeds, demand, health, defaultRole: config.DEFAULT_ROLE, logger });
      const ingest = attachIngestNamespace(io, { registry, feeds, health, token: config.GATEWAY_TOKEN, logger });

      app.use(
        '/api',
        apiRouter({
          registry,
          sites,
          feeds,
          snapshots,
          hls,
          recordings,
          ptz: new PtzControl(registry, logger),
          pool,
          rooms,
          defaultRole: config.DEFAULT_ROLE,
          gatewayCount: () => ingest.sockets.size,
          logger,
        }),
      );
      if (config.UI_DIST) serveUi(app, config.UI_DIST, logger);

      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => resolve());
      });
      const sfu = new SfuServer(server, io, pool, registry, feeds, demand, health, snapshots, hls, recordings, rooms, logger);
      logger.info({ address: sfu.url, workers: pool.workerCount }, 'sfu-server listening');
      return sfu;
    } catch (err) {
      pool.close();
      throw err;
    }
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    const a = this.http.address() as AddressInfo;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
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
    await step('health', () => this.health.close());
    await step('snapshots', () => this.snapshots.close());
    await step('hls', () => this.hls.close());
    await step('recordings', () => this.recordings.close());
    await step('demand', () => this.demand.close());
    await step('feeds', () => this.feeds.closeAll());
    await step('rooms', () => this.rooms.closeAll());
    // A request still waiting (a snapshot for a camera that never answers) must not hold
    // the shutdown: drop open connections, then close socket.io and the HTTP server.
    await step('http', async () => {
      this.http.closeAllConnections();
      await this.io.close();
    });
    await step('workers', () => this.pool.close());
    this.logger.info('sfu-server closed');
  }
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
