import type { CameraInput, CameraStatus } from '@county/shared';

export interface CameraRecord extends CameraInput {
  /** Taken from the camera's site. */
  townshipId?: string;
  status: CameraStatus;
  statusReason?: string;
  statusSince: string;
}

/**
 * Where cameras live. Async so a Redis-backed store (several SFU nodes) drops in without
 * touching callers; the in-memory store serves a single node.
 */
export interface CameraStore {
  list(): Promise<CameraRecord[]>;
  get(id: string): Promise<CameraRecord | undefined>;
  /** false when the id is taken. */
  insert(record: CameraRecord): Promise<boolean>;
  /** undefined when the camera is gone. */
  update(id: string, patch: Partial<Omit<CameraRecord, 'id'>>): Promise<CameraRecord | undefined>;
  delete(id: string): Promise<boolean>;
}

export class MemoryCameraStore implements CameraStore {
  readonly #cameras = new Map<string, CameraRecord>();

  async list(): Promise<CameraRecord[]> {
    return [...this.#cameras.values()].map((c) => ({ ...c }));
  }

  async get(id: string): Promise<CameraRecord | undefined> {
    const c = this.#cameras.get(id);
    return c && { ...c };
  }

  async insert(record: CameraRecord): Promise<boolean> {
    if (this.#cameras.has(record.id)) return false;
    this.#cameras.set(record.id, { ...record });
    return true;
  }

  async update(id: string, patch: Partial<Omit<CameraRecord, 'id'>>): Promise<CameraRecord | undefined> {
    const c = this.#cameras.get(id);
    if (!c) return undefined;
    const next = { ...c, ...patch, id };
    this.#cameras.set(id, next);
    return { ...next };
  }

  async delete(id: string): Promise<boolean> {
    return this.#cameras.delete(id);
  }
}
