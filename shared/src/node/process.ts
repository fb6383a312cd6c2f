import type { Logger } from './logger';

/** More uncaught exceptions than this within a minute: the process is broken for good. */
const UNCAUGHT_LIMIT_PER_MIN = 10;

/**
 * The one survival policy of every Node process here, and its graceful stop.
 *
 * A rejected promise nobody awaited: its own chain has already unwound and nothing else was
 * cut short, so it is logged and the process carries on. An uncaught exception is survived
 * too: each socket, timer and child-process callback stands alone (the media lives in
 * mediasoup workers and ffmpeg processes), so one callback that threw must not blank every
 * screen in the county. A burst of them means the state is broken for good: then stop cleanly
 * and exit 1 for the supervisor to start a fresh process. SIGINT/SIGTERM stop with exit 0.
 */
export function superviseProcess(logger: Logger): { onStop(close: () => Promise<void>): void } {
  let close: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (!close) process.exit(code);
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    close().then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (survived)'));
  const uncaught: number[] = [];
  process.on('uncaughtException', (err) => {
    const now = Date.now();
    uncaught.push(now);
    while (uncaught.length && uncaught[0]! < now - 60_000) uncaught.shift();
    if (uncaught.length > UNCAUGHT_LIMIT_PER_MIN) {
      logger.fatal({ err }, 'uncaught exception, too many in a minute: stopping');
      stop('uncaught exceptions', 1);
    } else logger.error({ err }, 'uncaught exception (survived)');
  });
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  return { onStop: (fn) => (close = fn) };
}
