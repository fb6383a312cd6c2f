import { AppError, type OnvifAccess } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraRegistry } from './CameraRegistry';

// The few onvif calls used here, typed as they behave (its bundled types are looser).
type RawPresets = Record<string, { $: { token: string | number } }>;
export interface OnvifCam {
  getPresets(options: object, cb: (err: Error | null, presets: RawPresets) => void): void;
  gotoPreset(options: { preset: string }, cb: (err: Error | null) => void): void;
  setPreset(options: { presetName: string; presetToken?: string }, cb: (err: Error | null, data: unknown) => void): void;
  /** Media SetSynchronizationPoint on the default profile: "send a keyframe now". */
  setSynchronizationPoint(options: { profileToken?: string }, cb: (err: Error | null) => void): void;
}
type CamConstructor = new (
  options: { hostname: string; port: number; path: string; username?: string; password?: string; timeout: number; useSecure: boolean },
  cb: (err: Error | null) => void,
) => OnvifCam;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS package without types
const { Cam } = require('onvif') as { Cam: CamConstructor };

const TIMEOUT_MS = 5000;

/**
 * What an API user reads of a failed ONVIF call: one of a few fixed texts. The device's own
 * words (a SOAP fault, an HTML page) could be anything the remote chose: they go to the log.
 */
export const ONVIF_FAILURES = {
  login: 'ONVIF login refused',
  unreachable: 'ONVIF service unreachable',
  refused: 'ONVIF device refused the request',
  garbled: 'ONVIF device answered with something else than ONVIF',
} as const;

function classify(msg: string): string {
  if (/not ?authori[sz]ed|\b401\b/i.test(msg)) return ONVIF_FAILURES.login;
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|ENOTFOUND|EAI_AGAIN|socket hang up|timeout/i.test(msg)) {
    return ONVIF_FAILURES.unreachable;
  }
  if (/SOAP Fault|\bFault\b/i.test(msg)) return ONVIF_FAILURES.refused;
  return ONVIF_FAILURES.garbled;
}

/**
 * The cameras' ONVIF devices (the `onvif` package), shared by PTZ and keyframe requests: one
 * connection per camera, made on first use and dropped on any error so the next call
 * reconnects. Every connection checks CAMERA_NETWORKS again; the password never reaches a log.
 */
export class OnvifDevices {
  readonly #cams = new Map<string, Promise<OnvifCam>>();

  constructor(
    private readonly registry: Pick<CameraRegistry, 'on' | 'record' | 'networks'>,
    private readonly logger: Logger,
  ) {
    registry.on('removed', (id) => this.#cams.delete(id));
  }

  /**
   * One call on a camera's device, bounded by a timeout. A failure the device caused becomes
   * an AppError('unavailable') with a fixed text, its own words logged (at debug when `quiet`:
   * the caller reports it its own way).
   */
  async call<T>(cameraId: string, fn: (cam: OnvifCam, cb: (err: Error | null, data: T) => void) => void, opts: { quiet?: boolean } = {}): Promise<T> {
    const cam = await this.#cam(cameraId, opts);
    try {
      return await new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS);
        fn(cam, (err, data) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(data);
        });
      });
    } catch (err) {
      this.#cams.delete(cameraId);
      throw this.#failure(cameraId, err, opts);
    }
  }

  async #cam(cameraId: string, opts: { quiet?: boolean }): Promise<OnvifCam> {
    let cam = this.#cams.get(cameraId);
    if (!cam) {
      const connecting = this.#connect(cameraId);
      this.#cams.set(cameraId, connecting);
      connecting.catch(() => this.#cams.get(cameraId) === connecting && this.#cams.delete(cameraId));
      cam = connecting;
    }
    try {
      return await cam;
    } catch (err) {
      throw this.#failure(cameraId, err, opts);
    }
  }

  async #connect(cameraId: string): Promise<OnvifCam> {
    const record = await this.registry.record(cameraId);
    if (!record.onvif) throw new AppError('conflict', `camera ${cameraId} has no PTZ (no onvif settings)`);
    // Checked when the camera was added; again here in case it was stored before the
    // networks were narrowed (or by a path that skipped the registry).
    await this.registry.networks.check(record.onvif.url, 'onvif url', 'conflict');
    return connect(record.onvif);
  }

  /** Our own errors pass; anything the device caused becomes a fixed text, its words logged. */
  #failure(cameraId: string, err: unknown, opts: { quiet?: boolean }): AppError {
    if (err instanceof AppError) return err;
    const detail = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    const message = classify(detail);
    this.logger[opts.quiet ? 'debug' : 'warn']({ cameraId, reason: message, detail }, 'ONVIF call failed');
    return new AppError('unavailable', message);
  }
}

function connect(access: OnvifAccess): Promise<OnvifCam> {
  const u = new URL(access.url);
  const https = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS);
    const cam: OnvifCam = new Cam(
      {
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: Number(u.port || (https ? 443 : 80)),
        path: u.pathname || '/onvif/device_service',
        username: access.username,
        password: access.password,
        timeout: TIMEOUT_MS,
        useSecure: https,
      },
      (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(cam);
      },
    );
  });
}
