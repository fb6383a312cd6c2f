import { redactUrl, type CameraAssignment, type IngestHealthReport } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { Backoff } from './Backoff';
import { pullArgs } from './ffmpeg/ffmpegArgs';
import { DEFAULT_RTP_MAX_PACKET_BYTES } from './rtpPacketSize';
import { FfmpegRun } from './ffmpeg/FfmpegRun';
import { classifyFailure, type FailureContext } from './ffmpeg/failure';
import { planPull, type PullPlan } from './ffmpeg/plan';
import { probeCamera, probeSplitKeyframes, type StreamProbe } from './ffmpeg/probe';
import { ProbeCache } from './ProbeCache';
import { ProbeSlots } from './ProbeSlots';
import type { PullRun } from './PullRun';
import { RelayRun } from './relay/RelayRun';
import type { IngestClient } from './SfuIngestClient';

/** A pull that ran this long was healthy: the next failure starts the backoff afresh. */
const HEALTHY_RUN_MS = 10_000;
/** A camera that delivered frames this recently is retried fast: it most likely blinked. */
const RECENT_MS = 60_000;
const RECENT_MAX_DELAY_MS = 1000;
/** Its last probe is reused on such a restart (saves ~1 s), unless older than this. */
const PROBE_REUSE_MS = 10 * 60_000;
/** ffmpeg failing this fast, this many times in a row with audio on: try without the audio. */
const QUICK_FAILURE_MS = 5000;
const AUDIO_GIVE_UP_AFTER = 2;
const HEALTH_INTERVAL_MS = 2000;

export interface PullTools {
  ffmpegPath: string;
  ffprobePath: string;
  /**
   * How H.264 that needs no re-encoding reaches the SFU: `relay` (default) forwards the
   * camera's RTP packets from this process as they arrive; `ffmpeg` copies it with ffmpeg
   * (holds a frame; kept for comparison and as a fallback).
   */
  passthrough?: 'relay' | 'ffmpeg';
  /** Largest RTP packet sent to the SFU (RTP_MAX_PACKET_BYTES; rtpPacketSize.ts). */
  rtpMaxPacketBytes?: number;
}

/**
 * One camera, pulled once, for as long as it is assigned: probe what the camera sends, plan
 * passthrough or re-encoding, ask the SFU for an ingest point, run the relay (passthrough) or
 * ffmpeg (re-encoding) into it, report health; when the run ends report `offline` with its
 * reason and try again after a backoff. `stop()` ends it and waits for its processes to be gone.
 */
export class CameraPull {
  #current: PullRun | undefined;
  #exited: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastFrameAt = 0;
  #probedAt = 0;
  #quickAudioFailures = 0;
  #audioDisabled = false;
  /** The gateway-wide cache is consulted for the first attempt only. */
  #cacheConsulted = false;
  /** The SFU ingest the running ffmpeg feeds (messages about it name it). */
  #generation: number | undefined;
  readonly #backoff: Backoff;
  restarts = 0;
  /** Last probe and plan (for health and tests). */
  probe: StreamProbe | undefined;
  plan: PullPlan | undefined;

  constructor(
    readonly camera: CameraAssignment,
    private readonly sfu: IngestClient,
    private readonly tools: PullTools,
    private readonly logger: Logger,
    backoff = new Backoff(),
    /** The gateway's probes, kept across pulls (a pull of its own by default). */
    private readonly probes = new ProbeCache(),
    /** The gateway's limit on concurrent ffprobes (one of its own by default). */
    private readonly probeSlots = new ProbeSlots(),
  ) {
    this.#backoff = backoff;
  }

  start(): void {
    this.#runLogged();
  }

  #runLogged(): void {
    this.#run().catch((err: unknown) => {
      this.logger.error({ err, cameraId: this.camera.id }, 'camera pull failed unexpectedly');
      this.#retry('gateway error (see its log)', (err as Error).message);
    });
  }

  /** The running ffmpeg's pid, if the run has one (tests check it is gone after stop). */
  get pid(): number | undefined {
    return this.#current?.pid;
  }

  /** The SFU ingest the current run feeds: the same number means the same run, relay or ffmpeg. */
  get generation(): number | undefined {
    return this.#generation;
  }

  /** Whether a run (relay or ffmpeg) feeds the SFU now. */
  get running(): boolean {
    return this.#current !== undefined;
  }

  /** How the current (or last) run restreams: `relay`, `ffmpeg-copy` or `ffmpeg-transcode`. */
  mode: 'relay' | 'ffmpeg-copy' | 'ffmpeg-transcode' | undefined;

  async #run(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    const cameraId = this.camera.id;
    this.#generation = undefined;
    this.sfu.report({ cameraId, state: 'connecting' });
    let plan: PullPlan;
    let opened;
    let stage: FailureContext['stage'] = 'probe';
    const attemptAt = Date.now();
    let fromCache = false;
    try {
      const now = Date.now();
      if (!this.#cacheConsulted) {
        // A camera this gateway pulled before (an on-demand camera back from idle) starts
        // from its last probe: no ffprobe, no wait for a keyframe to look at.
        this.#cacheConsulted = true;
        const cached = this.probes.get(cameraId, this.camera.url);
        if (cached) {
          this.probe = cached.probe;
          this.#probedAt = now - cached.ageMs;
          fromCache = true;
          this.logger.debug({ cameraId, ageMs: cached.ageMs }, 'probe reused');
        }
      }
      if (!fromCache && (!this.probe || now - this.#lastFrameAt > RECENT_MS || now - this.#probedAt > PROBE_REUSE_MS)) {
        this.logger.debug({ cameraId }, 'probing');
        const probe = await this.probeSlots.run(async () => {
          let found = await probeCamera(this.tools.ffprobePath, this.camera.url);
          // No size after 1 s: a camera without SPS in its SDP, joined between keyframes (a
          // 4 s GOP); look once more for as long as a long GOP lasts.
          if (found.video && !found.video.width) found = await probeCamera(this.tools.ffprobePath, this.camera.url, 20_000, 5);
          // Only H.264 that would pass through needs the (slower) look at its keyframes.
          if (found.video?.codec === 'h264' && !found.video.hasBFrames) {
            found.video.splitKeyframes = await probeSplitKeyframes(this.tools.ffprobePath, this.camera.url);
          }
          return found;
        });
        if (this.#stopped) return;
        this.probe = probe;
        this.#probedAt = now;
        this.probes.set(cameraId, this.camera.url, probe);
      }
      if (!this.probe) throw new Error('no probe of the camera');
      plan = planPull(this.probe);
      // A camera whose audio ffmpeg cannot turn into Opus still shows its picture.
      if (this.#audioDisabled) plan = { ...plan, audio: false };
      this.plan = plan;
      if (this.#stopped) return;
      stage = 'sfu';
      opened = await this.sfu.open(cameraId, plan.audio);
    } catch (err) {
      const detail = (err as Error).message;
      this.#retry(classifyFailure(detail, { stage, elapsedMs: Date.now() - attemptAt }), detail);
      return;
    }
    const { point, source } = opened;
    if (this.#stopped) {
      await this.sfu.close(cameraId, point.generation).catch(() => undefined);
      return;
    }
    this.#generation = point.generation;

    const startedAt = Date.now();
    let fps: number | undefined;
    const onFps = (f: number) => {
      fps = f;
      if (f > 0) this.#lastFrameAt = Date.now();
    };
    const relay = plan.video.mode === 'copy' && (this.tools.passthrough ?? 'relay') === 'relay';
    const maxPacket = this.tools.rtpMaxPacketBytes ?? DEFAULT_RTP_MAX_PACKET_BYTES;
    this.mode = relay ? 'relay' : plan.video.mode === 'copy' ? 'ffmpeg-copy' : 'ffmpeg-transcode';
    const run: PullRun = relay
      ? new RelayRun({
          url: this.camera.url, cameraId, point, sourcePort: source.video.rtpPort, audio: plan.audio, maxPacketBytes: maxPacket,
          ffmpegPath: this.tools.ffmpegPath, logger: this.logger, onFps,
          onFirstFrame: () => (this.#lastFrameAt = Date.now()),
        })
      : new FfmpegRun(this.tools.ffmpegPath, pullArgs(this.camera.url, plan, point, source, maxPacket), onFps);
    this.#current = run;
    this.#healthTimer = setInterval(() => this.sfu.health(this.#health(plan, fps)), HEALTH_INTERVAL_MS);
    this.logger.info(
      { cameraId, pid: run.pid, mode: this.mode, codec: this.probe?.video?.codec, audio: this.probe?.audio?.codec },
      'camera pull started',
    );

    this.#exited = run.ended.then(({ detail, stage }) => {
      clearInterval(this.#healthTimer);
      if (this.#current === run) this.#current = undefined;
      if (this.#stopped) return;
      const ran = Date.now() - startedAt;
      const hadFrames = this.#lastFrameAt >= startedAt;
      if (!hadFrames) {
        // A plan that never gave a frame: the next attempt and the next pull probe afresh
        // (a camera whose codec changed since its cached probe recovers on the retry).
        this.probes.delete(cameraId);
        if (fromCache) this.logger.info({ cameraId }, 'pull from a cached probe failed: probing again');
      }
      if (ran >= HEALTHY_RUN_MS) this.#backoff.reset();
      this.#quickAudioFailures = plan.audio && ran < QUICK_FAILURE_MS && this.#lastFrameAt < startedAt ? this.#quickAudioFailures + 1 : 0;
      if (this.#quickAudioFailures >= AUDIO_GIVE_UP_AFTER && !this.#audioDisabled) {
        this.#audioDisabled = true;
        this.logger.warn({ cameraId, audio: this.probe?.audio?.codec }, 'the pull keeps failing with audio: pulling video only');
      }
      this.sfu.close(cameraId, point.generation).catch((err: unknown) => this.logger.warn({ err, cameraId }, 'closing the ingest failed'));
      this.#retry(classifyFailure(detail, { stage, hadFrames, elapsedMs: ran }), detail, point.generation);
    });
  }

  #health(plan: PullPlan, fps: number | undefined): IngestHealthReport {
    const v = this.probe?.video;
    return {
      cameraId: this.camera.id,
      codec: v?.codec,
      profile: v?.profile,
      width: v?.width,
      height: v?.height,
      transcoding: plan.video.mode === 'transcode',
      transcodeReason: plan.video.mode === 'transcode' ? plan.video.reason : undefined,
      audioCodec: this.probe?.audio?.codec,
      fps,
      restarts: this.restarts,
    };
  }

  /** `reason` (one of CAMERA_FAILURE_REASONS) goes to the SFU; `detail`, the raw text, only to the log. */
  #retry(reason: string, detail: string, generation?: number): void {
    if (this.#stopped) return;
    const next = this.#backoff.next();
    const recent = Date.now() - this.#lastFrameAt < RECENT_MS;
    const delay = recent ? Math.min(next, RECENT_MAX_DELAY_MS - Math.random() * 500) : next;
    this.restarts++;
    this.logger.warn({ cameraId: this.camera.id, reason, detail: redactUrl(detail), retryInMs: delay }, 'camera offline');
    this.sfu.report({ cameraId: this.camera.id, state: 'offline', reason, generation });
    this.#timer = setTimeout(() => this.#runLogged(), delay);
  }

  /**
   * Ends the running ffmpeg; the usual retry probes, opens a new ingest point and starts again.
   * With `generation`: only if ffmpeg still feeds that ingest (a late message about an older one is ignored).
   */
  restart(reason: string, generation?: number): void {
    const run = this.#current;
    if (this.#stopped || !run) return;
    if (generation !== undefined && generation !== this.#generation) return;
    this.logger.info({ cameraId: this.camera.id, reason }, 'restarting camera pull');
    run.stop();
  }

  /** The SFU's word on which ingest it holds for this camera: if not the one ffmpeg feeds, start again. */
  confirm(generation: number | undefined): void {
    if (this.#current && this.#generation !== undefined && generation !== this.#generation) {
      this.restart(`the SFU no longer has ingest ${this.#generation}`);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    clearInterval(this.#healthTimer);
    this.#current?.stop();
    await this.#exited;
    this.logger.info({ cameraId: this.camera.id }, 'camera pull stopped');
  }
}
