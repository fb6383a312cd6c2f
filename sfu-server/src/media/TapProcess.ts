import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Logger } from '@county/shared/node';
import type { RtpTap } from './RtpTap';

/** ffmpeg input options for the Annex B stream a TapProcess writes to its stdin. */
export const TAP_INPUT = ['-f', 'h264', '-use_wallclock_as_timestamps', '1', '-i', 'pipe:0'];
/** Past this much unwritten video the consumer is too slow: stop rather than buffer forever. */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;

/**
 * An ffmpeg fed from an RtpTap through its stdin. Ends (stdin closed, so ffmpeg finishes
 * its files cleanly) when the tap closes or `stop()` is called; emits `exit` once.
 */
export class TapProcess extends EventEmitter<{ exit: [code: number | null]; stdout: [Buffer] }> {
  readonly child: ChildProcess;
  #ended = false;
  #exited = false;

  constructor(
    readonly tap: RtpTap,
    ffmpegPath: string,
    args: string[],
    private readonly logger: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    super();
    this.child = spawn(ffmpegPath, ['-hide_banner', '-nostats', '-loglevel', 'error', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    this.child.stdout?.on('data', (d: Buffer) => this.emit('stdout', d));
    this.child.stdin?.on('error', () => undefined); // EPIPE when ffmpeg quits first
    this.child.once('error', (err) => this.logger.error({ err }, 'tap ffmpeg failed to start'));
    this.child.once('close', (code) => {
      this.#exited = true;
      if (code && !this.#ended) this.logger.warn({ code, stderr: stderr.trim().split('\n').at(-1) }, 'tap ffmpeg exited');
      this.tap.off('frame', this.#onFrame);
      this.emit('exit', code);
    });
    tap.on('frame', this.#onFrame);
    tap.once('close', () => this.stop());
  }

  readonly #onFrame = (au: { data: Buffer }) => {
    const stdin = this.child.stdin;
    if (this.#ended || !stdin || stdin.destroyed) return;
    if (stdin.writableLength > MAX_BACKLOG_BYTES) {
      this.logger.warn('tap ffmpeg cannot keep up; stopping it');
      this.stop().catch(() => undefined); // stop() only waits for the exit event: it cannot reject
      return;
    }
    stdin.write(au.data);
  };

  get exited(): boolean {
    return this.#exited;
  }

  /** Ends the input; ffmpeg flushes and exits. Killed if it lingers. */
  stop(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.child.stdin?.end();
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      killer.unref();
      this.once('exit', () => clearTimeout(killer));
    }
    return this.#exited ? Promise.resolve() : new Promise((resolve) => this.once('exit', () => resolve()));
  }
}
