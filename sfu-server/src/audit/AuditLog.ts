import type { Redis } from 'ioredis';
import type { AuditAction, AuditEntry, AuditPage, AuditQuery } from '@county/shared';
import type { Logger } from '@county/shared/node';
import { stored } from '../store/redis';

const STREAM = 'cv:audit';
/** Roughly a year of a busy county; the oldest entries go first. */
const MAX_ENTRIES = 1_000_000;
/** Entries read per round while filtering a page. */
const BATCH = 500;

export type AuditRecord = Omit<AuditEntry, 'id' | 'time'>;

/**
 * Who did what, to what, when, from where: append-only, in a Redis stream (shared by every
 * node, kept with Redis' own persistence). Stream ids are the time order and the page cursor.
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  /** Never throws: an action that happened is not undone because its log line failed. */
  async record(entry: { actor: string; action: AuditAction; address: string; ok: boolean; target?: string; detail?: string }): Promise<void> {
    const fields = ['actor', entry.actor, 'action', entry.action, 'address', entry.address, 'ok', entry.ok ? '1' : '0'];
    if (entry.target) fields.push('target', entry.target);
    if (entry.detail) fields.push('detail', entry.detail.slice(0, 500));
    try {
      await this.redis.xadd(STREAM, 'MAXLEN', '~', String(MAX_ENTRIES), '*', ...fields);
    } catch (err) {
      this.logger.error({ err, action: entry.action, actor: entry.actor }, 'audit entry not stored');
    }
  }

  /** Newest first, filtered, one page; `next` continues with older entries. */
  async query(q: AuditQuery): Promise<AuditPage> {
    const from = q.from ? Date.parse(q.from) : undefined;
    const to = q.to ? Date.parse(q.to) : undefined;
    let end = q.before ? `(${q.before}` : to !== undefined ? String(to) : '+';
    const start = from !== undefined ? String(from) : '-';
    const entries: AuditEntry[] = [];
    return stored('audit', async () => {
      for (;;) {
        const batch = await this.redis.xrevrange(STREAM, end, start, 'COUNT', BATCH);
        for (const [id, flat] of batch) {
          const e = toEntry(id, flat);
          if (to !== undefined && Date.parse(e.time) > to) continue;
          if (q.actor && e.actor !== q.actor) continue;
          if (q.action && e.action !== q.action) continue;
          if (q.target && e.target !== q.target) continue;
          entries.push(e);
          if (entries.length === q.limit) return { entries, next: id };
        }
        if (batch.length < BATCH) return { entries };
        end = `(${batch[batch.length - 1]![0]}`;
      }
    });
  }
}

function toEntry(id: string, flat: string[]): AuditEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  const e: AuditEntry = {
    id,
    time: new Date(Number(id.split('-')[0])).toISOString(),
    actor: f.actor ?? '',
    action: f.action as AuditAction,
    address: f.address ?? '',
    ok: f.ok === '1',
  };
  if (f.target) e.target = f.target;
  if (f.detail) e.detail = f.detail;
  return e;
}
