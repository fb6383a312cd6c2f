import dgram from 'node:dgram';
import type { IngestPoint } from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { PullRun, RunEnd } from '../PullRun';
import { RtspError, RtspSession, RTSP_TIMEOUT_MS, type RtspTrack } from '../rtsp/RtspSession';
import type { SdpMedia } from '../rtsp/sdp';
import { AudioTranscode, audioInput } from './AudioTranscode';
import { H264Rewriter, spropParameterSets } from './H264Rewriter';

const CHECK_MS = 1000;

export interface RelayOptions {
  url: string;
  cameraId: string;
  point: IngestPoint;
  /** The one local UDP port everything leaves from (declared to the SFU). */
  sourcePort: number;
  /** Relay the camera's audio (through an Opus transcode). */
  audio: boolean;
  /** Largest RTP packet sent (RTP_MAX_PACKET_BYTES). */
  maxPacketBytes: number;
  ffmpegPath: string;
  logger: Logger;
  onFps: (fps: number) => void;
  /** The first picture went to the SFU (a run shorter than the fps period still counts as having sent frames). */
  onFirstFrame: () => void;
}

/**
 * A passthrough camera without ffmpeg in the picture's path: an RTSP session (TCP
 * interleaved) in this process whose H.264 RTP packets go to the SFU's plain transport as they
 * arrive, one UDP send each, stamped with the ingest's SSRC and payload type (H264Rewriter).
 * No depacketizing, no frame held (ffmpeg's copy holds one frame: 40 ms at 25 fps). Audio,
 * which browsers need as Opus, goes through a small ffmpeg on a pipe (AudioTranscode).
 */
export class RelayRun implements PullRun {
  readonly ended: Promise<RunEnd>;
  #session: RtspSession | undefined;
  #socket: dgram.Socket | undefined;
  #audio: AudioTranscode | undefined;
  #check: NodeJS.Timeout | undefined;
  #stopped = false;
  #finish!: (end: RunEnd) => void;

  constructor(private readonly o: RelayOptions) {
    this.ended = new Promise((resolve) => {
      let done = false;
      this.#finish = (end) => {
        if (done) return;
        done = true;
        this.#teardown();
        // Settles once the audio ffmpeg (if any) is gone: none outlives its pull.
        const child = this.#audio?.child;
        if (child && child.exitCode === null && child.signalCode === null) child.once('close', () => resolve(end));
        else resolve(end);
      };
    });
    this.#start().catch((err: unknown) => this.#finish({ detail: (err as Error).message, stage: 'pull' }));
  }

  get pid(): number | undefined {
    return this.#audio?.child.pid;
  }

  async #start(): Promise<void> {
    const { point, logger, cameraId } = this.o;
    const session = await RtspSession.open(this.o.url);
    this.#session = session;
    if (this.#stopped) return this.#teardown();
    const video = session.tracks.find((t) => t.kind === 'video');
    if (!video) throw new RtspError('the camera sends no video stream');
    if (video.codec !== 'H264') throw new RtspError(`Unsupported codec for the relay: ${video.codec}`);
    const tracks: SdpMedia[] = [video];
    const audioTrack = this.o.audio && point.audio ? session.tracks.find((t) => t.kind === 'audio') : undefined;
    const input = audioTrack && audioInput(audioTrack);
    if (audioTrack && !input) logger.warn({ cameraId, codec: audioTrack.codec }, 'relay: camera audio not transcodable, video only');
    if (audioTrack && input) tracks.push(audioTrack);

    const socket = dgram.createSocket({ type: point.video.ip.includes(':') ? 'udp6' : 'udp4', reuseAddr: true });
    this.#socket = socket;
    socket.on('error', (err) => this.#finish({ detail: `Input/output error: UDP to the SFU: ${err.message}`, stage: 'pull' }));
    // The wildcard address, as ffmpeg binds it: the SFU expects this very port.
    await new Promise<void>((resolve) => socket.bind(this.o.sourcePort, point.video.ip.includes(':') ? '::' : '0.0.0.0', resolve));
    await new Promise<void>((resolve) => socket.connect(point.video.rtpPort, point.video.ip, resolve));
    if (this.#stopped) return this.#teardown();
    if (input && point.audio) {
      const audio = new AudioTranscode(this.o.ffmpegPath, input, point.audio, this.o.sourcePort);
      this.#audio = audio;
      audio.child.once('close', (code, signal) =>
        this.#finish({ detail: audio.lastError || `audio ffmpeg exited (${signal ?? `code ${code}`})`, stage: 'pull' }),
      );
      audio.child.once('error', (err) => this.#finish({ detail: `ffmpeg could not start: ${err.message}`, stage: 'start' }));
    }

    const rewriter = new H264Rewriter(point.video.ssrc, point.video.payloadType, spropParameterSets(video.fmtp['sprop-parameter-sets']), this.o.maxPacketBytes);
    const send = (packet: Buffer) => socket.send(packet);
    let lastPacketAt = Date.now();
    let firstFrame = false;
    const playing: RtspTrack[] = await session.play(tracks);
    if (this.#stopped) return this.#teardown();
    const videoChannel = playing[0]!.channel;
    const audioChannel = playing[1]?.channel;
    session.onPacket = (channel, packet) => {
      if (channel === videoChannel) {
        lastPacketAt = Date.now();
        rewriter.push(packet, send);
        if (rewriter.frames === 1 && !firstFrame) {
          firstFrame = true;
          this.o.onFirstFrame();
        }
      } else if (channel === videoChannel + 1) {
        const sr = rewriter.senderReport(packet);
        if (sr) socket.send(sr);
      } else if (channel === audioChannel) this.#audio?.push(packet);
    };
    session.closed.then(
      (err) => this.#finish({ detail: err?.message ?? 'RTSP session closed', stage: 'pull' }),
      () => undefined,
    );
    let frames = 0;
    let at = Date.now();
    this.#check = setInterval(() => {
      const now = Date.now();
      if (now - lastPacketAt > RTSP_TIMEOUT_MS) {
        this.#finish({ detail: `connection timed out: no video from the camera for ${RTSP_TIMEOUT_MS / 1000} s`, stage: 'pull' });
        return;
      }
      this.o.onFps(Math.round(((rewriter.frames - frames) * 10_000) / (now - at)) / 10);
      frames = rewriter.frames;
      at = now;
    }, CHECK_MS);
    logger.debug({ cameraId, audio: audioTrack?.codec, videoChannel }, 'relay playing');
  }

  #teardown(): void {
    clearInterval(this.#check);
    if (this.#session) this.#session.onPacket = () => undefined;
    this.#session?.close();
    this.#audio?.stop();
    try {
      this.#socket?.close();
    } catch {
      // not bound yet, or closed
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#finish({ detail: 'stopped', stage: 'pull' });
  }
}
