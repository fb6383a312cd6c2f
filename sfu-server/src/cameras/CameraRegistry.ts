import { EventEmitter } from 'node:events';
import {
  AppError,
  redactUrl,
  type CameraAssignment,
  type CameraInput,
  type CameraStatus,
  type CameraView,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { CameraRecord, CameraStore } from './CameraStore';

export function toView(c: CameraRecord): CameraView {
  const view: CameraView = { id: c.id, name: c.name, status: c.status, statusSince: c.statusSince };
  if (c.statusReason) view.statusReason = c.statusReason;
  return view;
}

/**
 * The county's cameras: what exists and what state each is in. The URL (a secret) stays
 * in here and in `assignments()` for gateways; everything else sees CameraView.
 */
export class CameraRegistry extends EventEmitter<{
  updated: [CameraView];
  removed: [string];
  /** The set of cameras gateways must pull changed. */
  assignments: [];
}> {
  constructor(
    private readonly store: CameraStore,
    private readonly logger: Logger,
  ) {
    super();
  }

  async list(): Promise<CameraView[]> {
    return (await this.store.list()).map(toView);
  }

  async get(id: string): Promise<CameraView> {
    const c = await this.store.get(id);
    if (!c) throw new AppError('not_found', `camera ${id} not found`);
    return toView(c);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.store.get(id)) !== undefined;
  }

  async assignments(): Promise<CameraAssignment[]> {
    return (await this.store.list()).map((c) => ({ id: c.id, url: c.url }));
  }

  async add(input: CameraInput): Promise<CameraView> {
    const record: CameraRecord = { ...input, status: 'connecting', statusSince: new Date().toISOString() };
    if (!(await this.store.insert(record))) throw new AppError('conflict', `camera ${input.id} already exists`);
    this.logger.info({ cameraId: input.id }, 'camera added');
    const view = toView(record);
    this.emit('updated', view);
    this.emit('assignments');
    return view;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw new AppError('not_found', `camera ${id} not found`);
    this.logger.info({ cameraId: id }, 'camera removed');
    this.emit('removed', id);
    this.emit('assignments');
  }

  /** Records a status change; a no-op for a camera removed meanwhile. */
  async setStatus(id: string, status: CameraStatus, reason?: string): Promise<void> {
    const current = await this.store.get(id);
    if (!current) return;
    const statusReason = reason === undefined ? undefined : redactUrl(reason);
    if (current.status === status && current.statusReason === statusReason) return;
    const next = await this.store.update(id, { status, statusReason, statusSince: new Date().toISOString() });
    if (!next) return;
    this.logger.info({ cameraId: id, status, reason: statusReason }, 'camera status');
    this.emit('updated', toView(next));
  }
}
