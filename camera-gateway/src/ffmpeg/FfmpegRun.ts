import { spawn, type ChildProcess } from 'node:child_process';
import { redactUrl } from '@county/shared';
import type { PullRun, RunEnd } from '../PullRun';
import { ProgressReader } from './progress';

const KILL_GRACE_MS = 2000;

/** ffmpeg prefixes input errors with the URL: drop it (credentials or not) and keep the reason. */
function clean(line: string): string {
  return redactUrl(line.trim().replace(/^rtsps?:\/\/\S+?: /i, '')).slice(0, 300);
}

/** Keeps ffmpeg's last few stderr lines, credentials removed, to explain a failure (in the log). */
function stderrTail(child: ChildProcess): () => string {
  const last: string[] = [];
  let partial = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split(/\r?\n/);
    partial = parts.pop() ?? '';
    for (const l of parts) if (l.trim()) last.push(clean(l));
    last.splice(0, last.length - 3);
  });
  return () => [...last, ...(partial.trim() ? [clean(partial)] : [])].join('\n');
}

/** One ffmpeg restreaming a camera (args from pullArgs); `onFps` from its -progress output. */
export class FfmpegRun implements PullRun {
  readonly #child: ChildProcess;
  readonly ended: Promise<RunEnd>;

  constructor(ffmpegPath: string, args: string[], onFps: (fps: number) => void) {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const lastError = stderrTail(child);
    const progress = new ProgressReader(onFps);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => progress.push(chunk));
    this.ended = new Promise((resolve) => {
      let done = false;
      const finish = (why: string, stage: RunEnd['stage']) => {
        if (done) return;
        done = true;
        resolve({ detail: lastError() || why, stage });
      };
      child.once('error', (err) => finish(`ffmpeg could not start: ${err.message}`, 'start'));
      child.once('close', (code, signal) => finish(`ffmpeg exited (${signal ?? `code ${code}`})`, 'pull'));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  stop(): void {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    // A hung ffmpeg (stopped, or stuck in I/O) may ignore SIGTERM.
    const killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    child.once('close', () => clearTimeout(killer));
  }
}
