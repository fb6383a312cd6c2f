import fs from 'node:fs';
import path from 'node:path';
import { AppError, type MeetingRecording } from '@county/shared';

/** One recording may grow to this (about 9 h at 1 Mbit/s): a runaway upload cannot fill the disk. */
const MAX_BYTES = 4 * 1024 ** 3;
const FILE = /^(\d{8}T\d{6}Z)(?:-\d+)?\.webm$/;

/**
 * Meeting recordings as files (WebM: VP8 + Opus, which browsers play back). The host's page
 * composes the recording (the spotlight or active speaker, everyone's sound mixed) and uploads
 * it in order, chunk by chunk, while the meeting says recording is on. Why the browser: the
 * composition (who is on screen, the mix of N microphones that come and go) already exists
 * there; doing it on the server means one decoder and mixer per meeting (Jitsi's Jibri runs
 * a whole Chromium for it). The cost: a recording ends when the host's page does.
 */
export class MeetingRecordings {
  /** meetingId -> the recording being written: its file and the next chunk expected. */
  readonly #active = new Map<string, { id: string; file: string; next: number; bytes: number; writing: Promise<void> }>();

  constructor(private readonly dir: string) {}

  /** A new recording file for the meeting; any other one of it stops. */
  start(meetingId: string): string {
    const dir = this.#dirOf(meetingId);
    fs.mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    let id = stamp;
    for (let n = 1; fs.existsSync(path.join(dir, `${id}.webm`)); n++) id = `${stamp}-${n}`;
    const file = path.join(dir, `${id}.webm`);
    fs.writeFileSync(file, '');
    this.#active.set(meetingId, { id, file, next: 0, bytes: 0, writing: Promise.resolve() });
    return id;
  }

  stop(meetingId: string): void {
    this.#active.delete(meetingId);
  }

  activeId(meetingId: string): string | undefined {
    return this.#active.get(meetingId)?.id;
  }

  /** Appends chunk `seq` of recording `id`; out of order, late or too large is refused and writes nothing. */
  async append(meetingId: string, id: string, seq: number, chunk: Buffer): Promise<void> {
    const rec = this.#active.get(meetingId);
    if (!rec || rec.id !== id) throw new AppError('conflict', 'that recording is not running');
    if (seq !== rec.next) throw new AppError('conflict', `chunk ${seq} out of order (expected ${rec.next})`);
    if (rec.bytes + chunk.length > MAX_BYTES) throw new AppError('conflict', 'recording too large; start a new one');
    rec.next++;
    rec.bytes += chunk.length;
    rec.writing = rec.writing.then(() => fs.promises.appendFile(rec.file, chunk));
    await rec.writing;
  }

  async list(meetingId: string): Promise<MeetingRecording[]> {
    const dir = this.#dirOf(meetingId);
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    const views: MeetingRecording[] = [];
    for (const name of names.sort()) {
      const m = FILE.exec(name);
      if (!m) continue;
      const stat = await fs.promises.stat(path.join(dir, name)).catch(() => undefined);
      if (!stat || stat.size === 0) continue;
      const t = m[1]!;
      const start = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`;
      views.push({ id: name.slice(0, -'.webm'.length), start, bytes: stat.size, url: `/api/meetings/${meetingId}/recordings/${name}` });
    }
    return views;
  }

  /** The path of a recording by its file name; anything but a recording's own name is not found. */
  file(meetingId: string, name: string): string {
    if (!FILE.test(name)) throw new AppError('not_found', 'no such recording');
    const file = path.join(this.#dirOf(meetingId), name);
    if (!fs.existsSync(file)) throw new AppError('not_found', 'no such recording');
    return file;
  }

  // Meeting ids are slugs (checked by every route); the dot keeps them apart from camera folders.
  #dirOf(meetingId: string): string {
    return path.join(this.dir, '.meetings', meetingId);
  }
}
