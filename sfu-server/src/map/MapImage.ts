import type { Redis } from 'ioredis';
import { AppError, MAP_IMAGE_MAX_BYTES, MAP_IMAGE_TYPES, type MapImageType } from '@county/shared';
import { stored } from '../store/redis';

const KEY = 'cv:map:image';

export interface StoredMapImage {
  type: MapImageType;
  data: Buffer;
  updatedAt: string;
  updatedBy: string;
}

/**
 * The county map an admin uploaded (PNG, JPEG or SVG), kept in Redis as one hash: the bytes,
 * their content type and who put them there. Without one the UI shows its shipped outline.
 */
export class MapImage {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async get(): Promise<StoredMapImage | undefined> {
    const h = await stored('map image get', () => this.#redis.hgetallBuffer(KEY));
    const type = h.type?.toString();
    if (!h.data || !isMapImageType(type)) return undefined;
    return { type, data: h.data, updatedAt: h.updatedAt?.toString() ?? '', updatedBy: h.updatedBy?.toString() ?? '' };
  }

  /** Replaces the image in one write, after checking the bytes are what the content type says. */
  async put(type: string | undefined, data: unknown, by: string): Promise<StoredMapImage> {
    if (!isMapImageType(type)) throw new AppError('bad_request', `map image: Content-Type must be one of ${MAP_IMAGE_TYPES.join(', ')}`);
    if (!Buffer.isBuffer(data) || data.length === 0) throw new AppError('bad_request', 'map image: empty body');
    if (data.length > MAP_IMAGE_MAX_BYTES) throw new AppError('bad_request', `map image: larger than ${MAP_IMAGE_MAX_BYTES} bytes`);
    if (!looksLike(type, data)) throw new AppError('bad_request', `map image: the body is not ${type}`);
    const image: StoredMapImage = { type, data, updatedAt: new Date().toISOString(), updatedBy: by };
    await stored('map image put', () => this.#redis.hset(KEY, { type, data, updatedAt: image.updatedAt, updatedBy: by }).then(() => undefined));
    return image;
  }

  /** Back to the shipped outline; false when there was no uploaded image. */
  async remove(): Promise<boolean> {
    return (await stored('map image delete', () => this.#redis.del(KEY))) === 1;
  }
}

function isMapImageType(type: string | undefined): type is MapImageType {
  return (MAP_IMAGE_TYPES as readonly string[]).includes(type ?? '');
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Magic bytes (PNG, JPEG) or an `<svg` root near the start (SVG): a mislabelled upload is refused. */
function looksLike(type: MapImageType, data: Buffer): boolean {
  switch (type) {
    case 'image/png':
      return data.subarray(0, 8).equals(PNG);
    case 'image/jpeg':
      return data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff;
    case 'image/svg+xml': {
      const head = data.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '').trimStart();
      return /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(head);
    }
  }
}
