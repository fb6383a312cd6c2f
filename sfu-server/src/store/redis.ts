import { Redis, type RedisOptions } from 'ioredis';
import { AppError } from '@county/shared';
import type { Logger } from '@county/shared/node';

/**
 * One ioredis connection from REDIS_URL (`redis://`, `rediss://` or `unix:///path.sock`).
 * Commands fail fast while Redis is down (no offline queue), so a request is answered
 * "unavailable" instead of hanging, and nothing is acknowledged that Redis did not take.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Reconnect quickly and forever: Redis coming back must not need a server restart.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: true,
  };
  const redis = url.startsWith('unix://') ? new Redis({ ...options, path: url.slice('unix://'.length) }) : new Redis(url, options);
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) logger.error({ err: { message: err.message } }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis connection back');
    down = false;
  });
  return redis;
}

/**
 * The publish and subscribe connections socket.io's Redis adapter needs, connected: news to a
 * room (a screen changed, a call rings) reaches its sockets on every node. Unlike the store's
 * connection these queue while Redis is down (news is sent late rather than lost; the
 * subscriber subscribes again by itself).
 */
export async function connectBus(url: string, logger: Logger): Promise<{ pub: Redis; sub: Redis; close: () => Promise<void> }> {
  const options: RedisOptions = { retryStrategy: (times) => Math.min(100 * times, 2000), lazyConnect: true, connectionName: 'cv-bus' };
  const make = () => (url.startsWith('unix://') ? new Redis({ ...options, path: url.slice('unix://'.length) }) : new Redis(url, options));
  const pub = make();
  const sub = make();
  for (const c of [pub, sub]) c.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'redis bus connection error'));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    pub.disconnect();
    sub.disconnect();
    throw err;
  }
  // The adapter unsubscribes at shutdown without awaiting or catching the answers: were the
  // connection closed first, they would reject unhandled. Handled here, and waited for below.
  for (const name of ['unsubscribe', 'punsubscribe'] as const) {
    const original = sub[name].bind(sub) as (...args: unknown[]) => Promise<unknown>;
    Reflect.set(sub, name, (...args: unknown[]) => {
      const answer = original(...args);
      answer.catch(() => undefined);
      return answer;
    });
  }
  return {
    pub,
    sub,
    close: async () => {
      // Commands run in order: once this answers, the adapter's unsubscribes have too.
      await sub.ping().catch(() => undefined);
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

/** Turns a Redis failure into the one error type: the client hears "unavailable", the log the cause. */
export async function stored<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('unavailable', `storage unavailable (${what}); nothing was changed, try again`);
  }
}
