import { spawn, type ChildProcess } from 'node:child_process';
import type { RtpEndpoint } from '@county/shared';
import type { SdpMedia } from '../rtsp/sdp';
import { rtpPayloadOffset } from './H264Rewriter';
import { OPUS_ENCODE, rtpOutput } from '../ffmpeg/ffmpegArgs';

/** ADTS sampling frequency indexes (ISO 14496-3 1.6.3.4). */
const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** What ffmpeg reads on stdin for one camera audio codec, and how RTP payloads become it. */
export interface AudioInput {
  ffmpegFormat: string[];
  /** Bytes for ffmpeg's stdin from one RTP payload (empty if none). */
  depacketize(payload: Buffer): Buffer[];
}

/**
 * The camera's audio as ffmpeg can read it from a pipe: G.711 as raw A-law/µ-law samples,
 * AAC (RFC 3640 AAC-hbr: 13-bit sizes, 3-bit indexes) as ADTS frames built from the SDP's
 * config. Undefined for anything else (the camera's audio is then left out).
 */
export function audioInput(track: SdpMedia): AudioInput | undefined {
  const rate = String(track.clockRate || 8000);
  const channels = String(track.channels ?? 1);
  if (track.codec === 'PCMA' || track.codec === 'PCMU') {
    return { ffmpegFormat: ['-f', track.codec === 'PCMA' ? 'alaw' : 'mulaw', '-ar', rate, '-ac', channels], depacketize: (p) => [p] };
  }
  if (track.codec !== 'MPEG4-GENERIC') return undefined;
  const config = Buffer.from(track.fmtp.config ?? '', 'hex');
  if (config.length < 2 || Number(track.fmtp.sizelength ?? 13) !== 13 || Number(track.fmtp.indexlength ?? 3) !== 3) return undefined;
  const objectType = config[0]! >> 3;
  const freqIndex = ((config[0]! & 0x07) << 1) | (config[1]! >> 7);
  const channelConfig = (config[1]! >> 3) & 0x0f;
  if (objectType < 1 || objectType > 4 || freqIndex >= AAC_RATES.length) return undefined;
  const adts = (size: number): Buffer => {
    const len = size + 7;
    return Buffer.from([
      0xff, 0xf1,
      ((objectType - 1) << 6) | (freqIndex << 2) | (channelConfig >> 2),
      ((channelConfig & 3) << 6) | (len >> 11),
      (len >> 3) & 0xff,
      ((len & 7) << 5) | 0x1f,
      0xfc,
    ]);
  };
  return {
    ffmpegFormat: ['-f', 'aac'],
    depacketize: (p) => {
      if (p.length < 2) return [];
      const headerBytes = Math.ceil(p.readUInt16BE(0) / 8);
      const out: Buffer[] = [];
      let data = 2 + headerBytes;
      for (let h = 2; h + 2 <= 2 + headerBytes && data < p.length; h += 2) {
        const size = p.readUInt16BE(h) >> 3;
        if (data + size > p.length) break;
        out.push(adts(size), p.subarray(data, data + size));
        data += size;
      }
      return out;
    },
  };
}

/**
 * A passthrough camera's audio, which browsers cannot play as the camera sends it (AAC,
 * G.711): its RTP payloads go to an ffmpeg on stdin that sends Opus RTP to the SFU from the
 * camera's one source port (the relay's socket shares it, SO_REUSEADDR, as ffmpeg's own two
 * outputs did). Audio may wait a frame in ffmpeg; the picture does not.
 */
export class AudioTranscode {
  readonly child: ChildProcess;
  readonly #input: AudioInput;
  #stderr = '';

  constructor(ffmpegPath: string, input: AudioInput, point: RtpEndpoint, sourcePort: number) {
    this.#input = input;
    const args = [
      '-hide_banner', '-loglevel', 'error', '-fflags', 'nobuffer', '-probesize', '2048', '-analyzeduration', '0',
      ...input.ffmpegFormat, '-i', 'pipe:0',
      ...OPUS_ENCODE,
      ...rtpOutput(point, { rtpPort: sourcePort, rtcpPort: sourcePort }),
    ];
    this.child = spawn(ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.stdin?.on('error', () => undefined); // EPIPE when ffmpeg has died: its exit says why
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (d: string) => (this.#stderr = (this.#stderr + d).slice(-600)));
  }

  /** One camera audio RTP packet. */
  push(packet: Buffer): void {
    const off = rtpPayloadOffset(packet);
    const stdin = this.child.stdin;
    if (off < 0 || !stdin || stdin.destroyed || stdin.writableNeedDrain) return; // ffmpeg behind: drop, never queue
    for (const chunk of this.#input.depacketize(packet.subarray(off))) stdin.write(Buffer.from(chunk));
  }

  /** ffmpeg's last error lines. */
  get lastError(): string {
    return this.#stderr.trim().split(/\r?\n/).slice(-3).join('\n');
  }

  stop(): void {
    this.child.stdin?.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      killer.unref();
      this.child.once('close', () => clearTimeout(killer));
    }
  }
}
