import { feedId, isLargeTile, type Screen } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraDemand } from '../cameras/CameraDemand';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { Screens } from './Screens';

/** At most this many warm streams per screen (a 4x4 of sites with three streams each would otherwise pull 32 more). */
const MAX_WARM_PER_SCREEN = 8;

/**
 * A site's panorama and close view are one click apart: while a screen shows one stream of a
 * site, the site's other streams are pulled too (in the stream the tile would play: sub for a
 * small tile), so a switch finds them live — the still at once, and the video from the
 * keyframe the switch asks for, without a cold RTSP start. Cheap with the relay ingest (no
 * decode, one socket per camera); best effort: a screen whose warm streams would pass
 * MAX_ON_DEMAND_PULLS warms none, and the switch is then a cold start as before.
 */
export class WarmStreams {
  /** Per screen, the last warming still running: a screen's changes are applied in order. */
  readonly #chains = new Map<string, Promise<void>>();

  constructor(
    private readonly screens: Screens,
    private readonly registry: CameraRegistry,
    private readonly demand: CameraDemand,
    private readonly logger: Logger,
  ) {
    screens.on('updated', (screen) => this.#queue(screen));
  }

  /** Warms what every stored screen shows (at start). */
  async start(): Promise<void> {
    for (const screen of await this.screens.list()) this.#queue(screen);
    await Promise.all(this.#chains.values());
  }

  /** The feeds a screen keeps warm now (tests, diagnostics). */
  async warmFor(screen: Screen): Promise<string[]> {
    const cameras = await this.registry.list();
    const byId = new Map(cameras.map((c) => [c.id, c]));
    const shown = new Set(screen.tiles.flatMap((t) => (t && 'cameraId' in t ? [t.cameraId] : [])));
    const warm = new Set<string>();
    screen.tiles.forEach((tile, index) => {
      const siteId = tile && 'cameraId' in tile ? byId.get(tile.cameraId)?.siteId : undefined;
      if (!siteId) return;
      for (const sibling of cameras) {
        if (sibling.siteId !== siteId || shown.has(sibling.id)) continue;
        const sub = !isLargeTile(screen.layout, index) && sibling.hasSub;
        warm.add(feedId(sibling.id, sub ? 'sub' : 'main'));
      }
    });
    return [...warm].slice(0, MAX_WARM_PER_SCREEN);
  }

  #queue(screen: Screen): void {
    const holder = `warm:${screen.id}`;
    const next = (this.#chains.get(screen.id) ?? Promise.resolve())
      .then(async () => this.demand.holdOnly(holder, await this.warmFor(screen)))
      .catch((err: unknown) => this.logger.warn({ err, screenId: screen.id }, 'warm streams not held (MAX_ON_DEMAND_PULLS?)'));
    this.#chains.set(screen.id, next);
  }
}
