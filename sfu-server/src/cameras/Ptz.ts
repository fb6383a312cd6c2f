import { AppError, type PtzPreset } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraRegistry } from './CameraRegistry';
import { ONVIF_FAILURES, OnvifDevices, type OnvifCam } from './OnvifDevices';

type RawPresets = Record<string, { $: { token: string | number } }>;

/** What an API user reads of a failed PTZ call (the device's own words go to the log). */
export const PTZ_FAILURES = ONVIF_FAILURES;

/**
 * PTZ presets over ONVIF: list, go to, save, through the cameras' shared ONVIF connections
 * (OnvifDevices: one per camera, dropped on any error so the next call reconnects).
 */
export class PtzControl {
  readonly #devices: OnvifDevices;

  constructor(
    registry: Pick<CameraRegistry, 'on' | 'record' | 'networks'>,
    private readonly logger: Logger,
    devices?: OnvifDevices,
  ) {
    this.#devices = devices ?? new OnvifDevices(registry, logger);
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

  #call<T>(cameraId: string, fn: (cam: OnvifCam, cb: (err: Error | null, data: T) => void) => void): Promise<T> {
    return this.#devices.call(cameraId, fn);
  }
}
