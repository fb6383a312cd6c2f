import type { CameraAssignment } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { CameraPull, type PullTools } from './CameraPull';
import { SfuIngestClient } from './SfuIngestClient';

export interface GatewayOptions {
  sfuUrl: string;
  token: string;
  gatewayId: string;
  tools: PullTools;
  logger: Logger;
}

/**
 * Pulls exactly the cameras the SFU assigns: one CameraPull per camera, however many
 * viewers it has. A changed URL restarts that camera; a dropped SFU link stops them all
 * (the SFU closed their ingest points) until the SFU reassigns them on reconnect.
 */
export class CameraGateway {
  readonly #pulls = new Map<string, CameraPull>();
  readonly #client: SfuIngestClient;
  #reconcile: Promise<void> = Promise.resolve();

  constructor(private readonly options: GatewayOptions) {
    this.#client = new SfuIngestClient(options.sfuUrl, options.token, options.gatewayId);
    const { logger } = options;
    this.#client.onAssign((cameras) => this.#enqueue(cameras));
    this.#client.onLost((cameraId) => this.#pulls.get(cameraId)?.restart('SFU lost the ingest point'));
    this.#client.socket.on('connect', () => logger.info({ sfu: options.sfuUrl }, 'connected to SFU'));
    this.#client.socket.on('connect_error', (err) => logger.warn({ err }, 'SFU connection failed; retrying'));
    this.#client.socket.on('disconnect', (reason) => {
      logger.warn({ reason }, 'SFU link lost');
      this.#enqueue([]);
    });
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
      if (this.#pulls.has(cam.id)) continue;
      const pull = new CameraPull(cam, this.#client, this.options.tools, this.options.logger);
      this.#pulls.set(cam.id, pull);
      pull.start();
    }
  }

  async close(): Promise<void> {
    this.#client.disconnect();
    await this.#reconcile;
    await Promise.all([...this.#pulls.values()].map((p) => p.stop()));
    this.#pulls.clear();
  }
}
