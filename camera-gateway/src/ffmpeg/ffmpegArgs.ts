import type { IngestPoint } from '@county/shared';

/** Seconds of silence from the camera before ffmpeg gives up (then we restart it). */
export const RTSP_IO_TIMEOUT_S = 5;
/** Keeps every RTP packet under a typical path MTU; mediasoup forwards packets as they are. */
export const RTP_PACKET_SIZE = 1200;

function rtpUrl(p: IngestPoint): string {
  const host = p.ip.includes(':') ? `[${p.ip}]` : p.ip;
  return `rtp://${host}:${p.rtpPort}?rtcpport=${p.rtcpPort}&pkt_size=${RTP_PACKET_SIZE}`;
}

/**
 * ffmpeg argv for one camera: RTSP over TCP (UDP mode binds 0.0.0.0 and drops on lossy
 * links), first video stream, H.264 passed through untouched, out as RTP to the SFU.
 * The camera URL is a single argv element after -i: no shell, no option injection.
 */
export function passthroughArgs(cameraUrl: string, point: IngestPoint): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel', 'error',
    '-rtsp_transport', 'tcp',
    '-timeout', String(RTSP_IO_TIMEOUT_S * 1_000_000),
    '-i', cameraUrl,
    '-map', '0:v:0',
    '-an',
    '-c:v', 'copy',
    // Many cameras send SPS/PPS only in the SDP; a browser joining mid-stream needs them
    // before each keyframe.
    '-bsf:v', 'dump_extra=freq=keyframe',
    '-f', 'rtp',
    '-ssrc', String(point.ssrc),
    '-payload_type', String(point.payloadType),
    rtpUrl(point),
  ];
}
