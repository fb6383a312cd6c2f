import { createLogger } from '@county/shared/node';
import { WorkerPool } from '../src/media/WorkerPool';
import { LogCapture, isAlive, waitFor } from '../../tests/support/stack';

// mediasoup reads the worker binary's path from this module at each spawn: pointing it at a
// binary that does not exist makes a real createWorker() fail, as a deleted or broken install would.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workerModule = require('mediasoup/node/lib/Worker') as { workerBin: string };

// A mediasoup worker dies and its replacement fails to start: the SFU logs it, keeps running,
// and retries until the pool is whole again.
describe('WorkerPool: replacing a dead worker', () => {
  let pool: WorkerPool;
  const logs = new LogCapture();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  const realBin = workerModule.workerBin;
  const base = 47000 + 100 * Number(process.env.JEST_WORKER_ID ?? 1);

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    pool = await WorkerPool.create({
      workers: 2,
      rtcMinPort: base,
      rtcMaxPort: base + 99,
      logger: createLogger('test', { destination: logs, level: 'debug' }),
    });
  });
  afterAll(() => {
    workerModule.workerBin = realBin;
    process.off('unhandledRejection', onRejection);
    pool?.close();
  });

  it('retries a failed replacement with backoff until the pool is full again, without an unhandled rejection', async () => {
    const [victim, survivor] = pool.workerPids;
    workerModule.workerBin = '/nonexistent/mediasoup-worker';
    try {
      process.kill(victim!, 'SIGKILL');
      await waitFor('the dead worker out of the pool', () => pool.workerCount === 1, 10_000);
      // The first replacement runs against the missing binary and fails at once.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      workerModule.workerBin = realBin;
    }
    await waitFor('the pool back to 2 workers', () => pool.workerCount === 2, 15_000);
    expect(logs.text).toMatch(/mediasoup worker replacement failed; retrying/);
    expect(rejections).toEqual([]);
    const pids = pool.workerPids;
    expect(pids).toContain(survivor);
    expect(pids).not.toContain(victim);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    // The new worker's router is usable.
    const transports = await Promise.all([0, 1].map(() => pool.leastLoadedRouter().createPlainTransport({ listenIp: '127.0.0.1' })));
    expect(transports.every((t) => !t.closed)).toBe(true);
    for (const t of transports) t.close();
  }, 40_000);
});
