import dgram from 'node:dgram';
import type { RtpSource } from '@county/shared';

/** A port handed out is not handed out again for this long: ffmpeg binds it a moment later. */
const HOLD_MS = 60_000;
const ATTEMPTS = 20;

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    // The wildcard address, as ffmpeg's rtp muxer binds it.
    socket.bind(0, '0.0.0.0', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * The one UDP port a pull's ffmpeg sends everything from: video and audio RTP and their
 * RTCP (each of its RTP outputs binds it with SO_REUSEADDR), to the one port the SFU gives
 * the camera. The SFU takes a camera's media only from the port the gateway declared when
 * opening the ingest, so it is chosen before ffmpeg starts: the kernel names a free port, it
 * is released, and ffmpeg binds it. Should another program take it in between, ffmpeg fails
 * to bind and the pull retries with a new port.
 */
export class SourcePorts {
  /** port -> held until */
  readonly #held = new Map<number, number>();

  /** One port, declared as RTP and RTCP port of every stream of the camera. */
  async source(): Promise<RtpSource> {
    const port = await this.#one();
    return { rtpPort: port, rtcpPort: port };
  }

  async #one(): Promise<number> {
    const now = Date.now();
    for (const [port, until] of this.#held) if (until < now) this.#held.delete(port);
    for (let i = 0; i < ATTEMPTS; i++) {
      const port = await freeUdpPort();
      if (this.#held.has(port)) continue;
      this.#held.set(port, now + HOLD_MS);
      return port;
    }
    throw new Error('no free UDP port to send RTP from');
  }
}
