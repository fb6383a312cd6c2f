import { apiFetch } from '../auth/Session';
import type { MeetingClient, MeetingSnapshot } from './MeetingClient';

const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 25;
/** MediaRecorder hands over a chunk this often; each is uploaded before the next. */
const CHUNK_MS = 2000;

/**
 * Records the meeting in the host's page: the spotlight (or the active speaker) drawn on a
 * canvas with a caption, and everyone's sound mixed with WebAudio, encoded by MediaRecorder
 * (WebM VP8 + Opus) and uploaded chunk by chunk, in order, to the recording the server opened.
 * See MeetingRecordings on the server for why the host's browser composes it.
 */
export class MeetingRecorder {
  readonly #canvas = document.createElement('canvas');
  readonly #video = document.createElement('video');
  readonly #audio = new AudioContext();
  readonly #mix = this.#audio.createMediaStreamDestination();
  readonly #sources = new Map<string, MediaStreamAudioSourceNode>();
  readonly #recorder: MediaRecorder;
  readonly #unsubscribe: () => void;
  readonly #timer: number;
  #shownTrack: MediaStreamTrack | undefined;
  #caption = '';
  #seq = 0;
  #uploads: Promise<unknown> = Promise.resolve();
  #failed: ((err: unknown) => void) | undefined;

  constructor(
    private readonly client: MeetingClient,
    private readonly recordingId: string,
  ) {
    this.#canvas.width = WIDTH;
    this.#canvas.height = HEIGHT;
    this.#video.muted = true;
    this.#video.playsInline = true;
    const stream = new MediaStream([...this.#canvas.captureStream(FPS).getVideoTracks(), ...this.#mix.stream.getAudioTracks()]);
    const mimeType = ['video/webm;codecs=vp8,opus', 'video/webm'].find((m) => MediaRecorder.isTypeSupported(m));
    this.#recorder = new MediaRecorder(stream, { ...(mimeType ? { mimeType } : {}), videoBitsPerSecond: 1_500_000 });
    this.#recorder.ondataavailable = (e) => {
      if (e.data.size > 0) this.#upload(e.data);
    };
    this.#unsubscribe = client.subscribe(() => this.#follow(client.snapshot()));
    this.#follow(client.snapshot());
    // A timer, not requestAnimationFrame: it keeps drawing when the host's tab is in the background.
    this.#timer = window.setInterval(() => this.#draw(), 1000 / FPS);
    this.#recorder.start(CHUNK_MS);
  }

  /** Told when an upload fails (the server refused it, or it is unreachable). */
  onFailed(listener: (err: unknown) => void): void {
    this.#failed = listener;
  }

  /** Stops and waits for the last chunk to be uploaded. */
  async stop(): Promise<void> {
    window.clearInterval(this.#timer);
    this.#unsubscribe();
    if (this.#recorder.state !== 'inactive') {
      const last = new Promise((resolve) => this.#recorder.addEventListener('stop', resolve, { once: true }));
      this.#recorder.stop();
      await last;
    }
    await this.#uploads;
    await this.#audio.close();
  }

  /** Who is shown and who is heard follow the meeting: spotlight, else speaker, else the first camera. */
  #follow(snap: MeetingSnapshot): void {
    const state = snap.state;
    const shown = state?.spotlight ?? snap.speaker;
    let track: MediaStreamTrack | undefined;
    let caption = state?.title ?? '';
    if (shown && shown !== snap.peerId) {
      const media = snap.remote.get(shown);
      track = (media?.screen ?? media?.camera ?? media?.['site-camera'])?.track;
      const who = state?.participants.find((p) => p.peerId === shown);
      const cam = state?.cameras.find((c) => `camera:${c.cameraId}` === shown);
      caption = who ? `${who.displayName} · ${who.unit.name}` : (cam?.name ?? caption);
    }
    if (!track) {
      track = shown === snap.peerId ? snap.local.camera : [...snap.remote.values()].find((m) => m.camera)?.camera?.track;
    }
    track ??= snap.local.camera;
    if (track !== this.#shownTrack) {
      this.#shownTrack = track;
      this.#video.srcObject = track ? new MediaStream([track]) : null;
      if (track) this.#video.play().catch(() => undefined);
    }
    this.#caption = caption;
    // Everyone's microphone, the host's own included.
    const mics = new Map<string, MediaStreamTrack>();
    for (const [tileId, media] of snap.remote) if (media.mic) mics.set(tileId, media.mic.track);
    if (snap.local.mic) mics.set('self', snap.local.mic);
    for (const [id, node] of this.#sources) {
      if (mics.get(id) !== node.mediaStream.getAudioTracks()[0]) {
        node.disconnect();
        this.#sources.delete(id);
      }
    }
    for (const [id, mic] of mics) {
      if (this.#sources.has(id)) continue;
      const node = this.#audio.createMediaStreamSource(new MediaStream([mic]));
      node.connect(this.#mix);
      this.#sources.set(id, node);
    }
  }

  #draw(): void {
    const g = this.#canvas.getContext('2d');
    if (!g) return;
    g.fillStyle = '#000';
    g.fillRect(0, 0, WIDTH, HEIGHT);
    const v = this.#video;
    if (v.videoWidth > 0) {
      const scale = Math.min(WIDTH / v.videoWidth, HEIGHT / v.videoHeight);
      const w = v.videoWidth * scale;
      const h = v.videoHeight * scale;
      g.drawImage(v, (WIDTH - w) / 2, (HEIGHT - h) / 2, w, h);
    }
    g.fillStyle = 'rgba(0,0,0,0.6)';
    g.fillRect(0, HEIGHT - 48, WIDTH, 48);
    g.fillStyle = '#fff';
    g.font = '28px "Noto Sans CJK SC", sans-serif';
    g.fillText(`${this.#caption}  ${new Date().toLocaleString()}`, 16, HEIGHT - 14);
  }

  #upload(chunk: Blob): void {
    const seq = this.#seq++;
    const url = `/api/meetings/${encodeURIComponent(this.client.meetingId)}/recordings/${this.recordingId}/chunks/${seq}`;
    this.#uploads = this.#uploads.then(() =>
      apiFetch(url, { method: 'POST', body: chunk, headers: { 'content-type': 'video/webm' } }).catch((err: unknown) => this.#failed?.(err)),
    );
  }
}
