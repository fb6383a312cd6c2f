import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** ffmpeg-static's binary, if its (download-based) install script ever ran. */
function ffmpegStatic(): string | undefined {
  try {
    // Optional dependency: offline its install script cannot download, so usually absent.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bin = require('ffmpeg-static') as string | null;
    return bin && isExecutable(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** FFMPEG_PATH, else ffmpeg-static's binary if it exists, else `ffmpeg` on PATH (Debian's). */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env, staticBin: () => string | undefined = ffmpegStatic): string {
  if (env.FFMPEG_PATH) {
    if (!isExecutable(env.FFMPEG_PATH)) throw new AppError('unavailable', `FFMPEG_PATH ${env.FFMPEG_PATH} is not an executable file`);
    return env.FFMPEG_PATH;
  }
  const found = staticBin() ?? onPath('ffmpeg', env);
  if (found) return found;
  throw new AppError('unavailable', 'ffmpeg not found: install it (apt-get install ffmpeg) or set FFMPEG_PATH');
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** FFPROBE_PATH, else the ffprobe beside the chosen ffmpeg, else `ffprobe` on PATH. */
export function resolveFfprobe(ffmpegPath: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.FFPROBE_PATH) {
    if (!isExecutable(env.FFPROBE_PATH)) throw new AppError('unavailable', `FFPROBE_PATH ${env.FFPROBE_PATH} is not an executable file`);
    return env.FFPROBE_PATH;
  }
  const sibling = path.join(path.dirname(ffmpegPath), 'ffprobe');
  const found = isExecutable(sibling) ? sibling : onPath('ffprobe', env);
  if (found) return found;
  throw new AppError('unavailable', 'ffprobe not found: install ffmpeg (apt-get install ffmpeg) or set FFPROBE_PATH');
}
