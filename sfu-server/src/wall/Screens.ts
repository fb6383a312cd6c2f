import { EventEmitter } from 'node:events';
import {
  AppError,
  defaultScreen,
  padTiles,
  type Screen,
  type ScreenInput,
  type Tile,
  type WallPreset,
  type WallPresetInput,
} from '@county/shared';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { ScreenStore } from './ScreenStore';

/**
 * The command-center wall: what each screen shows and the presets operators recall onto
 * screens. Input arrives schema-checked (layout, tile shapes, tile count); here a screen is
 * checked against the county as a whole (its cameras exist, its pages are on allowed hosts)
 * before anything is written, so a refused change leaves the screen as it was.
 * `updated` fires after the store has the new screen (signalling pushes it to pages).
 */
export class Screens extends EventEmitter<{ updated: [Screen] }> {
  readonly #store: ScreenStore;
  readonly #registry: CameraRegistry;
  readonly #pageHosts: ReadonlySet<string>;

  constructor(store: ScreenStore, registry: CameraRegistry, pageHosts: readonly string[]) {
    super();
    this.#store = store;
    this.#registry = registry;
    this.#pageHosts = new Set(pageHosts.map(normalHost));
  }

  /** Saved screens; a screen nobody saved yet is not listed (GET by id still answers it). */
  list(): Promise<Screen[]> {
    return this.#store.screens();
  }

  async get(id: string): Promise<Screen> {
    return (await this.#store.screen(id)) ?? defaultScreen(id);
  }

  async put(id: string, input: ScreenInput, by: string): Promise<Screen> {
    const tiles = await this.#checkedTiles(input);
    const screen: Screen = { id, name: input.name, layout: input.layout, tiles, updatedAt: new Date().toISOString(), updatedBy: by };
    await this.#store.saveScreen(screen);
    this.emit('updated', screen);
    return screen;
  }

  presets(): Promise<WallPreset[]> {
    return this.#store.presets();
  }

  /** Creates the preset or replaces the one with its id. */
  async savePreset(input: WallPresetInput): Promise<{ preset: WallPreset; created: boolean }> {
    const preset: WallPreset = { id: input.id, name: input.name, layout: input.layout, tiles: await this.#checkedTiles(input) };
    return { preset, created: (await this.#store.savePreset(preset)) === 'created' };
  }

  deletePreset(id: string): Promise<void> {
    return this.#store.deletePreset(id);
  }

  /**
   * The preset's layout and tiles onto the screen (its name stays). Checked again: a camera
   * removed or a host dropped from WALL_PAGE_HOSTS since the preset was saved refuses it.
   */
  async applyPreset(screenId: string, presetId: string, by: string): Promise<Screen> {
    const [preset, current] = await Promise.all([this.#store.preset(presetId), this.get(screenId)]);
    return this.put(screenId, { name: current.name, layout: preset.layout, tiles: preset.tiles }, by);
  }

  /** Every tile checked, then padded to the layout; the first problem refuses the whole input. */
  async #checkedTiles(input: { layout: ScreenInput['layout']; tiles: readonly Tile[] }): Promise<Tile[]> {
    for (const [i, tile] of input.tiles.entries()) {
      // Numbered from 1 in reading order, as the operator counts tiles on the wall.
      const where = `tile ${i + 1}`;
      if (tile && 'cameraId' in tile && !(await this.#registry.exists(tile.cameraId))) {
        throw new AppError('bad_request', `${where}: unknown camera ${tile.cameraId}`);
      }
      if (tile && 'url' in tile) {
        const host = normalHost(new URL(tile.url).hostname);
        if (!this.#pageHosts.has(host)) throw new AppError('bad_request', `${where}: page host ${host} is not allowed (WALL_PAGE_HOSTS)`);
      }
    }
    return padTiles(input.layout, input.tiles);
  }
}

/** `Example.COM` and `[::1]` (URL's form of an IPv6 host) compare as `example.com` and `::1`. */
function normalHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
}
