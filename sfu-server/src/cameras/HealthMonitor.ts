import { EventEmitter } from 'node:events';
import { feedId, type CameraHealth, type IngestHealthReport } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraFeeds } from './CameraFeeds';
import type { CameraRegistry } from './CameraRegistry';

export interface HealthOptions {
  intervalMs: number;
  /** A live feed whose video stops for this long is restarted. */
  silenceMs: number;
  /** A feed whose video never starts is restarted this long after its ingest opened (default 10 s). */
  noMediaMs?: number;
  logger?: Logger;
}

/**
 * Every interval: merges what gateways report (codec, resolution, fps, restarts) with what
 * the SFU measures (bitrate, seconds since the last keyframe) into each camera's health,
 * and restarts feeds whose RTP stopped while ffmpeg still runs (a silent stream) or never
 * reached the producer at all (sent elsewhere, wrong SSRC, an encoder that never starts).
 */
export class HealthMonitor extends EventEmitter<{ health: [{ id: string; health: CameraHealth }[]] }> {
  readonly #reports = new Map<string, IngestHealthReport>();
  readonly #bytes = new Map<string, { generation: number; count: number; changedAt: number }>();
  readonly #timer: NodeJS.Timeout;
  readonly #noMediaMs: number;

  constructor(
    private readonly registry: CameraRegistry,
    private readonly feeds: CameraFeeds,
    private readonly options: HealthOptions,
  ) {
    super();
    this.#noMediaMs = options.noMediaMs ?? 10_000;
    this.#timer = setInterval(() => {
      this.#tick().catch((err: unknown) => options.logger?.error({ err }, 'camera health check failed'));
    }, options.intervalMs);
    this.#timer.unref();
    registry.on('removed', (id) => {
      this.#forget(id);
      this.#forget(feedId(id, 'sub'));
    });
  }

  gatewayReport(report: IngestHealthReport): void {
    this.#reports.set(report.cameraId, report);
  }

  #forget(id: string): void {
    this.#reports.delete(id);
    this.#bytes.delete(id);
  }

  async #tick(): Promise<void> {
    const now = Date.now();
    const batch: { id: string; health: CameraHealth }[] = [];
    const live = new Set<string>();
    for (const feed of [...this.feeds.feeds()]) {
      const id = feed.cameraId;
      live.add(id);
      let bitrate = 0;
      let count = 0;
      try {
        for (const s of await feed.video.producer.getStats()) {
          bitrate += s.bitrate;
          count += s.byteCount;
        }
      } catch {
        continue; // closed meanwhile
      }
      const { generation } = feed;
      if (count === 0 && now - feed.openedAt >= this.#noMediaMs) {
        this.#bytes.delete(id);
        this.feeds.lose(id, `no video ${Math.round(this.#noMediaMs / 1000)} s after the ingest opened`, generation);
        continue;
      }
      const seen = this.#bytes.get(id);
      if (!seen || seen.generation !== generation || seen.count !== count) this.#bytes.set(id, { generation, count, changedAt: now });
      else if (count > 0 && now - seen.changedAt >= this.options.silenceMs) {
        this.#bytes.delete(id);
        this.feeds.lose(id, `no video for ${Math.round(this.options.silenceMs / 1000)} s`, generation);
        continue;
      }
      const r = this.#reports.get(id);
      const health: CameraHealth = {
        transcoding: r?.transcoding ?? false,
        restarts: r?.restarts ?? 0,
        bitrateKbps: Math.round(bitrate / 1000),
      };
      if (r?.codec) health.codec = r.codec;
      if (r?.profile) health.profile = r.profile;
      if (r?.width) health.width = r.width;
      if (r?.height) health.height = r.height;
      if (r?.transcodeReason) health.transcodeReason = r.transcodeReason;
      if (r?.audioCodec) health.audioCodec = r.audioCodec;
      if (r?.fps !== undefined) health.fps = r.fps;
      if (feed.lastKeyframeAt) health.secondsSinceKeyframe = Math.round((now - feed.lastKeyframeAt) / 100) / 10;
      this.registry.setHealth(id, health, feed.audio !== undefined);
      batch.push({ id, health });
    }
    for (const id of this.#bytes.keys()) if (!live.has(id)) this.#bytes.delete(id);
    if (batch.length) this.emit('health', batch);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
