import { createHash } from 'node:crypto';
import type { StreamProbe } from './ffmpeg/probe';

/** A cached probe is used for a pull's first attempt while younger than this. */
export const PROBE_CACHE_MAX_AGE_MS = 24 * 60 * 60_000;
/** At most this many cameras are remembered; the least recently stored is dropped first. */
export const PROBE_CACHE_MAX_ENTRIES = 5000;

interface Entry {
  urlHash: string;
  probe: StreamProbe;
  at: number;
}

/** The URL may hold credentials: only its hash is kept (and never logged). */
function hashUrl(url: string): string {
  return createHash('sha256').update(url).digest('base64url').slice(0, 22);
}

/**
 * The gateway's last successful probe of each camera (incl. the split-keyframe look), kept
 * across pulls: an on-demand camera that went idle (its CameraPull destroyed) starts again
 * without ffprobe. Keyed by camera id and a hash of its URL, so a changed URL probes afresh.
 */
export class ProbeCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly maxAgeMs = PROBE_CACHE_MAX_AGE_MS,
    readonly maxEntries = PROBE_CACHE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached probe and its age, if one exists for this camera at this URL and is fresh enough. */
  get(cameraId: string, url: string): { probe: StreamProbe; ageMs: number } | undefined {
    const e = this.#entries.get(cameraId);
    if (!e) return undefined;
    const ageMs = this.now() - e.at;
    if (e.urlHash !== hashUrl(url) || ageMs > this.maxAgeMs || ageMs < 0) {
      this.#entries.delete(cameraId);
      return undefined;
    }
    return { probe: structuredClone(e.probe), ageMs };
  }

  set(cameraId: string, url: string, probe: StreamProbe): void {
    this.#entries.delete(cameraId);
    this.#entries.set(cameraId, { urlHash: hashUrl(url), probe: structuredClone(probe), at: this.now() });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  delete(cameraId: string): void {
    this.#entries.delete(cameraId);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
