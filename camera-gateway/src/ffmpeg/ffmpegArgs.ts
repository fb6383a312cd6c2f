import type { IngestPoint, RtpEndpoint, RtpSource } from '@county/shared';
import { DEFAULT_RTP_MAX_PACKET_BYTES } from '../rtpPacketSize';
import { TRANSCODE_GOP_SECONDS, type PullPlan } from './plan';

/** Seconds of silence from the camera before ffmpeg gives up (then we restart it). */
export const RTSP_IO_TIMEOUT_S = 5;

/**
 * RTP out to the SFU, sent from the port declared when opening the ingest (the SFU takes no
 * other). The rtp muxer writes to a `udp://` URL rather than `rtp://`: RTP and its RTCP
 * then leave through one socket (rtcpMux), and with `reuse` the video and the audio output
 * bind the same local port, so a camera takes one port on the SFU instead of four.
 */
export function rtpOutput(p: RtpEndpoint, from: RtpSource, maxPacketBytes = DEFAULT_RTP_MAX_PACKET_BYTES): string[] {
  const host = p.ip.includes(':') ? `[${p.ip}]` : p.ip;
  return [
    '-f', 'rtp',
    '-ssrc', String(p.ssrc),
    '-payload_type', String(p.payloadType),
    `udp://${host}:${p.rtpPort}?localport=${from.rtpPort}&reuse=1&pkt_size=${maxPacketBytes}`,
  ];
}

/** Camera audio as browsers play it. */
export const OPUS_ENCODE = ['-c:a', 'libopus', '-application', 'lowdelay', '-b:a', '32k', '-ar', '48000', '-ac', '2'];

function videoCodec(plan: PullPlan): string[] {
  if (plan.video.mode === 'copy') {
    // Many cameras send SPS/PPS only in the SDP; a browser joining mid-stream needs them
    // before each keyframe.
    return ['-c:v', 'copy', '-bsf:v', 'dump_extra=freq=keyframe'];
  }
  const gop = String(plan.video.fps * TRANSCODE_GOP_SECONDS);
  // Constrained Baseline, no B-frames, a keyframe every second, no scene-cut keyframes:
  // what every browser decodes and what keeps a new viewer's first picture near.
  return [
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline',
    '-pix_fmt', 'yuv420p', '-bf', '0', '-g', gop, '-keyint_min', gop, '-sc_threshold', '0',
    '-b:v', '2M', '-maxrate', '2500k', '-bufsize', '2M',
  ];
}

/**
 * ffmpeg argv for one camera: RTSP over TCP (UDP mode binds 0.0.0.0 and drops on lossy
 * links), its first video stream as H.264 (copied or re-encoded per the plan), its first
 * audio stream as Opus, each out as RTP to the SFU. `-progress` reports fps on stdout.
 * The camera URL is a single argv element after -i: no shell, no option injection.
 */
export function pullArgs(
  cameraUrl: string,
  plan: PullPlan,
  point: IngestPoint,
  from: { video: RtpSource; audio?: RtpSource },
  maxPacketBytes = DEFAULT_RTP_MAX_PACKET_BYTES,
): string[] {
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-progress', 'pipe:1', '-stats_period', '1',
    '-rtsp_transport', 'tcp',
    '-timeout', String(RTSP_IO_TIMEOUT_S * 1_000_000),
    // The probe already told us what the camera sends; a short analysis starts RTP sooner.
    '-probesize', '500000',
    '-analyzeduration', '1000000',
    '-i', cameraUrl,
    '-map', '0:v:0', ...videoCodec(plan), ...rtpOutput(point.video, from.video, maxPacketBytes),
  ];
  if (plan.audio && point.audio && from.audio) {
    args.push(
      '-map', '0:a:0',
      ...OPUS_ENCODE,
      ...rtpOutput(point.audio, from.audio, maxPacketBytes),
    );
  }
  return args;
}
