/**
 * RTP (RFC 6184) -> H.264 Annex B access units. Hand-written because the alternative,
 * ffmpeg's SDP input, binds its RTP sockets on 0.0.0.0; this lets taps (snapshots, HLS,
 * recording) read a producer through a socket bound to loopback and feed ffmpeg's stdin.
 * Handles single NAL units, STAP-A and FU-A (what cameras and ffmpeg send). After a lost
 * packet it drops everything up to the next keyframe rather than hand a decoder garbage.
 */
const START = Buffer.from([0, 0, 0, 1]);

export interface AccessUnit {
  data: Buffer;
  keyframe: boolean;
  /** RTP timestamp (90 kHz). */
  timestamp: number;
}

export class H264Depacketizer {
  #nals: Buffer[] = [];
  #fu: Buffer[] | undefined;
  #timestamp: number | undefined;
  #lastSeq: number | undefined;
  #waitForKeyframe = true;

  constructor(private readonly onAccessUnit: (au: AccessUnit) => void) {}

  /** One RTP packet (header included). */
  push(packet: Buffer): void {
    if (packet.length < 12 || packet[0]! >> 6 !== 2) return;
    const cc = packet[0]! & 0x0f;
    const hasExtension = (packet[0]! & 0x10) !== 0;
    const hasPadding = (packet[0]! & 0x20) !== 0;
    const marker = (packet[1]! & 0x80) !== 0;
    const seq = packet.readUInt16BE(2);
    const timestamp = packet.readUInt32BE(4);
    let offset = 12 + cc * 4;
    if (hasExtension) {
      if (packet.length < offset + 4) return;
      offset += 4 + packet.readUInt16BE(offset + 2) * 4;
    }
    let end = packet.length;
    if (hasPadding) end -= packet[packet.length - 1]!;
    if (offset >= end) return;

    if (this.#lastSeq !== undefined && seq !== ((this.#lastSeq + 1) & 0xffff)) this.#lost();
    this.#lastSeq = seq;
    if (this.#timestamp !== undefined && timestamp !== this.#timestamp) this.#flush();
    this.#timestamp = timestamp;
    this.#payload(packet.subarray(offset, end));
    if (marker) this.#flush();
  }

  #payload(p: Buffer): void {
    const type = p[0]! & 0x1f;
    if (type >= 1 && type <= 23) this.#nals.push(p);
    else if (type === 24) {
      // STAP-A: [16-bit size][NAL] ...
      for (let i = 1; i + 2 <= p.length; ) {
        const size = p.readUInt16BE(i);
        i += 2;
        if (size === 0 || i + size > p.length) break;
        this.#nals.push(p.subarray(i, i + size));
        i += size;
      }
    } else if (type === 28 && p.length > 2) {
      // FU-A: rebuild the NAL header from the FU indicator (F, NRI) and FU header (type).
      const start = (p[1]! & 0x80) !== 0;
      const stop = (p[1]! & 0x40) !== 0;
      if (start) this.#fu = [Buffer.from([(p[0]! & 0xe0) | (p[1]! & 0x1f)])];
      if (!this.#fu) return; // middle of a unit whose start we lost
      this.#fu.push(p.subarray(2));
      if (stop) {
        this.#nals.push(Buffer.concat(this.#fu));
        this.#fu = undefined;
      }
    }
  }

  #lost(): void {
    this.#nals = [];
    this.#fu = undefined;
    this.#waitForKeyframe = true;
  }

  #flush(): void {
    const nals = this.#nals;
    this.#nals = [];
    this.#fu = undefined;
    if (nals.length === 0 || this.#timestamp === undefined) return;
    const keyframe = nals.some((n) => (n[0]! & 0x1f) === 5);
    if (this.#waitForKeyframe && !keyframe) return;
    this.#waitForKeyframe = false;
    const parts: Buffer[] = [];
    for (const n of nals) parts.push(START, n);
    this.onAccessUnit({ data: Buffer.concat(parts), keyframe, timestamp: this.#timestamp });
  }
}
