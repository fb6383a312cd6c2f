import { DEFAULT_RTP_MAX_PACKET_BYTES } from '../rtpPacketSize';

const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const STAP_A = 24;
const FU_A = 28;

/** Offset of the payload in an RTP packet (after CSRCs and a header extension), or -1 if malformed. */
export function rtpPayloadOffset(p: Buffer): number {
  if (p.length < 12 || p[0]! >> 6 !== 2) return -1;
  let off = 12 + (p[0]! & 0x0f) * 4;
  if (p[0]! & 0x10) {
    if (p.length < off + 4) return -1;
    off += 4 + p.readUInt16BE(off + 2) * 4;
  }
  return off <= p.length ? off : -1;
}

/** Payload end: without RTP padding (RFC 3550 5.1). */
function payloadEnd(p: Buffer): number {
  return p[0]! & 0x20 ? p.length - p[p.length - 1]! : p.length;
}

/** SPS and PPS from the SDP's sprop-parameter-sets (RFC 6184 8.1), base64, comma-separated. */
export function spropParameterSets(value: string | undefined): Buffer[] {
  return (value ?? '')
    .split(',')
    .map((s) => Buffer.from(s.trim(), 'base64'))
    .filter((b) => b.length > 0);
}

/**
 * Relays a camera's H.264 RTP packets to the SFU with only what must change: the SSRC and
 * payload type the SFU's ingest asks for, SPS/PPS put before a keyframe that comes without
 * them (many cameras send them only in the SDP; a browser joining mid-stream needs them), and
 * packets over `maxPacket` (RTP_MAX_PACKET_BYTES) cut into FU-A fragments (RFC 6184 5.8). Sequence numbers keep
 * the camera's gaps and make room for what is added. Everything else (timestamps, the
 * marker, the NAL units) is the camera's: no frame is held.
 */
export class H264Rewriter {
  #offset = 0;
  #sps: Buffer | undefined;
  #pps: Buffer | undefined;
  /** RTP timestamp of the last access unit that carried SPS (in band or put in by us). */
  #paramsTs = -1;
  /** Pictures relayed (packets with the marker bit). */
  frames = 0;
  packets = 0;

  constructor(
    private readonly ssrc: number,
    private readonly payloadType: number,
    sprop: Buffer[] = [],
    /** The largest packet out; bigger camera packets are cut. */
    readonly maxPacket = DEFAULT_RTP_MAX_PACKET_BYTES,
  ) {
    for (const nal of sprop) this.#remember(nal);
  }

  #remember(nal: Buffer): void {
    const type = nal[0]! & 0x1f;
    if (type === NAL_SPS) this.#sps = Buffer.from(nal);
    else if (type === NAL_PPS) this.#pps = Buffer.from(nal);
  }

  /** One camera packet in; `send` is called for each packet out, in order, before this returns. */
  push(p: Buffer, send: (packet: Buffer) => void): void {
    const off = rtpPayloadOffset(p);
    const end = off < 0 ? -1 : payloadEnd(p);
    if (off < 0 || end <= off) return;
    const ts = p.readUInt32BE(4);
    const marker = (p[1]! & 0x80) !== 0;
    const type = p[off]! & 0x1f;
    let keyframeStart = false;
    if (type === NAL_SPS || type === NAL_PPS) {
      this.#remember(p.subarray(off, end));
      if (type === NAL_SPS) this.#paramsTs = ts;
    } else if (type === STAP_A) {
      for (let i = off + 1; i + 2 <= end; ) {
        const size = p.readUInt16BE(i);
        if (size === 0 || i + 2 + size > end) break;
        const nal = p.subarray(i + 2, i + 2 + size);
        this.#remember(nal);
        if ((nal[0]! & 0x1f) === NAL_SPS) this.#paramsTs = ts;
        if ((nal[0]! & 0x1f) === NAL_IDR) keyframeStart = true;
        i += 2 + size;
      }
    } else if (type === NAL_IDR) keyframeStart = true;
    else if (type === FU_A && end - off >= 2) keyframeStart = (p[off + 1]! & 0x80) !== 0 && (p[off + 1]! & 0x1f) === NAL_IDR;

    const seq = p.readUInt16BE(2);
    if (keyframeStart && this.#paramsTs !== ts && this.#sps && this.#pps) {
      // SPS + PPS in one STAP-A, same timestamp, just before the keyframe's first packet.
      const sps = this.#sps;
      const pps = this.#pps;
      const stap = Buffer.allocUnsafe(12 + 1 + 2 + sps.length + 2 + pps.length);
      this.#header(stap, seq, ts, false);
      stap[12] = (sps[0]! & 0x60) | STAP_A;
      stap.writeUInt16BE(sps.length, 13);
      sps.copy(stap, 15);
      stap.writeUInt16BE(pps.length, 15 + sps.length);
      pps.copy(stap, 17 + sps.length);
      this.#paramsTs = ts;
      this.#out(stap, send);
      this.#offset++;
    }
    if (marker) this.frames++;
    if (p.length <= this.maxPacket) {
      // The common case: rewrite in place, send as is.
      p[1] = (p[1]! & 0x80) | this.payloadType;
      p.writeUInt16BE((seq + this.#offset) & 0xffff, 2);
      p.writeUInt32BE(this.ssrc, 8);
      this.#out(p, send);
      return;
    }
    this.#fragment(p.subarray(off, end), seq, ts, marker, send);
  }

  #header(b: Buffer, seq: number, ts: number, marker: boolean): void {
    b[0] = 0x80;
    b[1] = (marker ? 0x80 : 0) | this.payloadType;
    b.writeUInt16BE((seq + this.#offset) & 0xffff, 2);
    b.writeUInt32BE(ts, 4);
    b.writeUInt32BE(this.ssrc, 8);
  }

  #out(b: Buffer, send: (packet: Buffer) => void): void {
    this.packets++;
    send(b);
  }

  /** An oversized payload as packets that fit: a STAP-A unpacked, a NAL unit or an FU-A cut into FU-As. */
  #fragment(payload: Buffer, seq: number, ts: number, marker: boolean, send: (packet: Buffer) => void): void {
    const type = payload[0]! & 0x1f;
    const pieces: Buffer[] = [];
    if (type === STAP_A) {
      const nals: Buffer[] = [];
      for (let i = 1; i + 2 <= payload.length; ) {
        const size = payload.readUInt16BE(i);
        if (size === 0 || i + 2 + size > payload.length) break;
        nals.push(payload.subarray(i + 2, i + 2 + size));
        i += 2 + size;
      }
      for (const nal of nals) pieces.push(...this.#cut(nal[0]!, nal.subarray(1), true, true, nal));
    } else if (type === FU_A) {
      const start = (payload[1]! & 0x80) !== 0;
      const stop = (payload[1]! & 0x40) !== 0;
      pieces.push(...this.#cut((payload[0]! & 0xe0) | (payload[1]! & 0x1f), payload.subarray(2), start, stop));
    } else {
      pieces.push(...this.#cut(payload[0]!, payload.subarray(1), true, true, payload));
    }
    for (const [i, piece] of pieces.entries()) {
      if (i > 0) this.#offset++;
      const b = Buffer.allocUnsafe(12 + piece.length);
      this.#header(b, seq, ts, marker && i === pieces.length - 1);
      piece.copy(b, 12);
      this.#out(b, send);
    }
  }

  /** FU-A payloads (indicator, header, data) of one NAL unit's data; a whole NAL that fits stays whole. */
  #cut(nalHeader: number, data: Buffer, start: boolean, stop: boolean, whole?: Buffer): Buffer[] {
    if (whole && whole.length <= this.maxPacket - 12) return [whole];
    const room = this.maxPacket - 12 - 2;
    const out: Buffer[] = [];
    for (let i = 0; i < data.length; i += room) {
      const chunk = data.subarray(i, i + room);
      const first = i === 0 && start;
      const last = i + room >= data.length && stop;
      const fu = Buffer.allocUnsafe(2 + chunk.length);
      fu[0] = (nalHeader & 0xe0) | FU_A;
      fu[1] = (first ? 0x80 : 0) | (last ? 0x40 : 0) | (nalHeader & 0x1f);
      chunk.copy(fu, 2);
      out.push(fu);
    }
    return out;
  }

  /**
   * A camera RTCP sender report with the SFU's SSRC (timestamps are the camera's, so its
   * NTP/RTP pair stays true); other RTCP is not relayed. Undefined if it is not an SR.
   */
  senderReport(rtcp: Buffer): Buffer | undefined {
    if (rtcp.length < 28 || rtcp[0]! >> 6 !== 2 || rtcp[1] !== 200) return undefined;
    const len = (rtcp.readUInt16BE(2) + 1) * 4;
    if (len > rtcp.length) return undefined;
    const sr = Buffer.from(rtcp.subarray(0, len));
    // Report blocks describe what the camera received: none from us.
    sr[0] = 0x80;
    sr.writeUInt16BE(6, 2);
    sr.writeUInt32BE(this.ssrc, 4);
    return sr.subarray(0, 28);
  }
}
