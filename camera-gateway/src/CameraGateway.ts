import type { CameraAssignment } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { CameraPull, type PullTools } from './CameraPull';
import { ProbeCache } from './ProbeCache';
import { ProbeSlots } from './ProbeSlots';
import { SfuIngestClient } from './SfuIngestClient';

/**
 * How long pulls keep running after the SFU link drops: the SFU keeps a gateway's cameras
 * and ingests for a while (15 s), so a blip costs no RTSP session and no black picture.
 */
export const SFU_LINK_GRACE_MS = 20_000;

export interface GatewayOptions {
  sfuUrl: string;
  token: string;
  gatewayId: string;
  tools: PullTools;
  logger: Logger;
  linkGraceMs?: number;
}

/**
 * Pulls exactly the cameras the SFU assigns: one CameraPull per camera, however many
 * viewers it has. A changed URL restarts that camera. A dropped SFU link keeps the pulls
 * for a grace period (the SFU keeps their ingests for a while); on return the assignment
 * names the ingest the SFU holds for each camera, and a pull feeding another restarts.
 */
export class CameraGateway {
  readonly #pulls = new Map<string, CameraPull>();
  readonly #client: SfuIngestClient;
  /** Last good probe per camera, kept when its pull ends (an on-demand camera going idle). */
  readonly probes = new ProbeCache();
  /** Concurrent ffprobes, gateway-wide. */
  readonly #probeSlots = new ProbeSlots();
  #reconcile: Promise<void> = Promise.resolve();
  #linkLost: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly options: GatewayOptions) {
    this.#client = new SfuIngestClient(options.sfuUrl, options.token, options.gatewayId);
    const { logger } = options;
    this.#client.onAssign((cameras) => this.#enqueue(cameras));
    this.#client.onLost(({ cameraId, generation }) => this.#pulls.get(cameraId)?.restart('SFU lost the ingest point', generation));
    this.#client.socket.on('connect', () => {
      clearTimeout(this.#linkLost);
      logger.info({ sfu: options.sfuUrl }, 'connected to SFU');
    });
    this.#client.socket.on('connect_error', (err) => logger.warn({ err }, 'SFU connection failed; retrying'));
    this.#client.socket.on('disconnect', (reason) => {
      if (this.#closed) return;
      if (reason === 'io server disconnect') {
        // The SFU will not take us back by itself (another gateway connected with our id).
        logger.error({ reason }, 'SFU dropped this gateway (another gateway with the same GATEWAY_ID?): stopping all pulls');
        this.#enqueue([]);
        return;
      }
      logger.warn({ reason }, 'SFU link lost; pulls keep running while it comes back');
      clearTimeout(this.#linkLost);
      this.#linkLost = setTimeout(() => {
        logger.warn('SFU link still down: stopping all pulls');
        this.#enqueue([]);
      }, options.linkGraceMs ?? SFU_LINK_GRACE_MS);
    });
  }

  /** The link to the SFU (tests drop it). */
  get client(): SfuIngestClient {
    return this.#client;
  }

  /** Live pulls by camera id (for health and tests). */
  get pulls(): ReadonlyMap<string, CameraPull> {
    return this.#pulls;
  }

  // Assignments are applied one after another so a quick add+remove cannot interleave.
  #enqueue(cameras: CameraAssignment[]): void {
    this.#reconcile = this.#reconcile.then(() => this.#apply(cameras)).catch((err: unknown) =>
      this.options.logger.error({ err }, 'applying camera assignment failed'),
    );
  }

  async #apply(cameras: CameraAssignment[]): Promise<void> {
    const wanted = new Map(cameras.map((c) => [c.id, c]));
    const stopping: Promise<void>[] = [];
    for (const [id, pull] of this.#pulls) {
      if (wanted.get(id)?.url !== pull.camera.url) {
        this.#pulls.delete(id);
        stopping.push(pull.stop());
      }
    }
    await Promise.all(stopping);
    for (const cam of wanted.values()) {
      const pull = this.#pulls.get(cam.id);
      if (pull) {
        pull.confirm(cam.generation);
        continue;
      }
      const fresh = new CameraPull(cam, this.#client, this.options.tools, this.options.logger, undefined, this.probes, this.#probeSlots);
      this.#pulls.set(cam.id, fresh);
      fresh.start();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#linkLost);
    this.#client.disconnect();
    await this.#reconcile;
    await Promise.all([...this.#pulls.values()].map((p) => p.stop()));
    this.#pulls.clear();
  }
}
