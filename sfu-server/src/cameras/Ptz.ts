import { AppError, type OnvifAccess, type PtzPreset } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraRegistry } from './CameraRegistry';

// The few onvif calls used here, typed as they behave (its bundled types are looser).
type RawPresets = Record<string, { $: { token: string | number } }>;
interface OnvifCam {
  getPresets(options: object, cb: (err: Error | null, presets: RawPresets) => void): void;
  gotoPreset(options: { preset: string }, cb: (err: Error | null) => void): void;
  setPreset(options: { presetName: string; presetToken?: string }, cb: (err: Error | null, data: unknown) => void): void;
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
export const PTZ_FAILURES = {
  login: 'ONVIF login refused',
  unreachable: 'ONVIF service unreachable',
  refused: 'ONVIF device refused the request',
  garbled: 'ONVIF device answered with something else than ONVIF',
} as const;

function classify(msg: string): string {
  if (/not ?authori[sz]ed|\b401\b/i.test(msg)) return PTZ_FAILURES.login;
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|ENOTFOUND|EAI_AGAIN|socket hang up|timeout/i.test(msg)) {
    return PTZ_FAILURES.unreachable;
  }
  if (/SOAP Fault|\bFault\b/i.test(msg)) return PTZ_FAILURES.refused;
  return PTZ_FAILURES.garbled;
}

/**
 * PTZ presets over ONVIF (the `onvif` package): list, go to, save. One connection per
 * camera, made on first use and dropped on any error so the next call reconnects.
 */
export class PtzControl {
  readonly #cams = new Map<string, Promise<OnvifCam>>();

  constructor(
    private readonly registry: CameraRegistry,
    private readonly logger: Logger,
  ) {
    registry.on('removed', (id) => this.#cams.delete(id));
  }

  async presets(cameraId: string): Promise<PtzPreset[]> {
    const raw = await this.#call<RawPresets>(cameraId, (cam, cb) => cam.getPresets({}, cb));
    // onvif turns numeric-looking tokens ("2") into numbers: tokens are strings.
    return Object.entries(raw).map(([name, p]) => ({ token: String(p.$.token), name }));
  }

  async goto(cameraId: string, target: { token: string } | { name: string }): Promise<PtzPreset> {
    const presets = await this.presets(cameraId);
    const preset = presets.find((p) => ('token' in target ? p.token === target.token : p.name === target.name));
    if (!preset) throw new AppError('not_found', `camera ${cameraId} has no such preset`);
    await this.#call(cameraId, (cam, cb) => cam.gotoPreset({ preset: preset.token }, (err) => cb(err, undefined)));
    this.logger.info({ cameraId, preset: preset.name }, 'PTZ preset');
    return preset;
  }

  /** Saves the camera's current position as a preset (replacing one of the same name). */
  async save(cameraId: string, name: string): Promise<PtzPreset> {
    // An existing name is overwritten through its token (without it ONVIF answers PresetExist).
    const existing = (await this.presets(cameraId)).find((p) => p.name === name);
    await this.#call(cameraId, (cam, cb) => cam.setPreset({ presetName: name, presetToken: existing?.token }, cb));
    const saved = (await this.presets(cameraId)).find((p) => p.name === name);
    if (!saved) throw new AppError('unavailable', 'the camera did not keep the preset');
    return saved;
  }

  async #call<T>(cameraId: string, fn: (cam: OnvifCam, cb: (err: Error | null, data: T) => void) => void): Promise<T> {
    const cam = await this.#cam(cameraId);
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
      throw this.#failure(cameraId, err);
    }
  }

  async #cam(cameraId: string): Promise<OnvifCam> {
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
      throw this.#failure(cameraId, err);
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
  #failure(cameraId: string, err: unknown): AppError {
    if (err instanceof AppError) return err;
    const detail = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    const message = classify(detail);
    this.logger.warn({ cameraId, reason: message, detail }, 'ONVIF call failed');
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
