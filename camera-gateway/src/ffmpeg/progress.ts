/**
 * Reads ffmpeg's `-progress pipe:1` key=value blocks and calls back with the frame rate of
 * each block, computed from frame counts (ffmpeg's own `fps=` is an average since start).
 */
export class ProgressReader {
  #partial = '';
  #block: Record<string, string> = {};
  #last: { frame: number; at: number } | undefined;

  constructor(
    private readonly onFps: (fps: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq).trim();
      this.#block[key] = line.slice(eq + 1).trim();
      if (key === 'progress') this.#endBlock();
    }
  }

  #endBlock(): void {
    const frame = Number(this.#block.frame);
    this.#block = {};
    if (!Number.isFinite(frame)) return;
    const at = this.now();
    if (this.#last && at > this.#last.at) {
      this.onFps(Math.max(0, Math.round(((frame - this.#last.frame) * 1000) / (at - this.#last.at) * 10) / 10));
    }
    this.#last = { frame, at };
  }
}
