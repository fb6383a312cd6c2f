import { loadConfig } from '../src/config';
import { H264Rewriter, spropParameterSets } from '../src/relay/H264Rewriter';
import { audioInput } from '../src/relay/AudioTranscode';
import { controlUrl, parseSdp } from '../src/rtsp/sdp';

function rtp(seq: number, ts: number, payload: Buffer, marker = false, ssrc = 0x11111111, pt = 97): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ts, 4);
  b.writeUInt32BE(ssrc, 8);
  payload.copy(b, 12);
  return b;
}

const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xd9]);
const PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);

function relay(rw: H264Rewriter, packets: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const p of packets) rw.push(p, (b) => out.push(Buffer.from(b)));
  return out;
}

describe('H264Rewriter', () => {
  it("stamps the ingest's SSRC and payload type and keeps the rest of a small packet", () => {
    const rw = new H264Rewriter(0x2222, 96);
    const [out] = relay(rw, [rtp(100, 9000, Buffer.from([0x41, 1, 2, 3]), true)]);
    expect(out!.readUInt32BE(8)).toBe(0x2222);
    expect(out![1]).toBe(0x80 | 96);
    expect(out!.readUInt16BE(2)).toBe(100);
    expect(out!.readUInt32BE(4)).toBe(9000);
    expect([...out!.subarray(12)]).toEqual([0x41, 1, 2, 3]);
    expect(rw.frames).toBe(1);
  });

  it('puts the SDP SPS/PPS before a keyframe that comes without them, once, and shifts sequence numbers', () => {
    const rw = new H264Rewriter(7, 96, [SPS, PPS]);
    const out = relay(rw, [
      rtp(10, 1, Buffer.from([0x41, 9]), true),
      rtp(11, 2, Buffer.from([0x7c, 0x85, 1])), // FU-A start of an IDR
      rtp(12, 2, Buffer.from([0x7c, 0x45, 2]), true),
      rtp(13, 3, Buffer.from([0x41, 9]), true),
    ]);
    expect(out.map((p) => p.readUInt16BE(2))).toEqual([10, 11, 12, 13, 14]);
    const stap = out[1]!;
    expect(stap[12]! & 0x1f).toBe(24);
    expect(stap.readUInt32BE(4)).toBe(2);
    expect(stap.subarray(15, 15 + SPS.length)).toEqual(SPS);
  });

  it('adds nothing when the camera sends SPS/PPS in band', () => {
    const rw = new H264Rewriter(7, 96, [SPS, PPS]);
    const out = relay(rw, [rtp(1, 5, SPS), rtp(2, 5, PPS), rtp(3, 5, Buffer.from([0x65, 1, 2]), true)]);
    expect(out).toHaveLength(3);
  });

  it('cuts an oversized NAL unit into FU-A packets that fit, marker on the last', () => {
    const rw = new H264Rewriter(7, 96);
    const nal = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(3000, 0xab)]);
    const out = relay(rw, [rtp(500, 42, nal, true), rtp(501, 43, Buffer.from([0x41, 0]), true)]);
    expect(out.length).toBe(4);
    for (const p of out) expect(p.length).toBeLessThanOrEqual(rw.maxPacket);
    expect(out.map((p) => p.readUInt16BE(2))).toEqual([500, 501, 502, 503]);
    expect(out.map((p) => (p[1]! & 0x80) !== 0)).toEqual([false, false, true, true]);
    expect(out[0]![13]! & 0x80).toBe(0x80); // S
    expect(out[2]![13]! & 0x40).toBe(0x40); // E
    const data = Buffer.concat(out.slice(0, 3).map((p) => p.subarray(14)));
    expect(data).toEqual(nal.subarray(1));
  });

  it('passes a camera\'s 1400-byte packets whole by default and cuts them under RTP_MAX_PACKET_BYTES=1200', () => {
    const packet = () => rtp(900, 9, Buffer.concat([Buffer.from([0x7c, 0x01]), Buffer.alloc(1400 - 14, 0x5a)])); // FU-A middle
    expect(packet().length).toBe(1400);
    expect(relay(new H264Rewriter(7, 96), [packet()]).map((p) => p.length)).toEqual([1400]);
    const small = relay(new H264Rewriter(7, 96, [], 1200), [packet()]);
    expect(small.length).toBe(2);
    for (const p of small) expect(p.length).toBeLessThanOrEqual(1200);
    expect(Buffer.concat(small.map((p) => p.subarray(14)))).toEqual(packet().subarray(14));
    const env = { GATEWAY_TOKEN: 'x'.repeat(16) };
    expect(loadConfig(env).RTP_MAX_PACKET_BYTES).toBe(1400);
    expect(loadConfig({ ...env, RTP_MAX_PACKET_BYTES: '1200' }).RTP_MAX_PACKET_BYTES).toBe(1200);
    for (const bad of ['100', '1401', 'big']) expect(() => loadConfig({ ...env, RTP_MAX_PACKET_BYTES: bad })).toThrow(/RTP_MAX_PACKET_BYTES/);
  });

  it('relays camera sender reports with its own SSRC only', () => {
    const rw = new H264Rewriter(0xabcd, 96);
    const sr = Buffer.alloc(28);
    sr[0] = 0x80;
    sr[1] = 200;
    sr.writeUInt16BE(6, 2);
    expect(rw.senderReport(sr)!.readUInt32BE(4)).toBe(0xabcd);
    const rr = Buffer.from(sr);
    rr[1] = 201;
    expect(rw.senderReport(rr)).toBeUndefined();
  });

  it('reads sprop-parameter-sets', () => {
    expect(spropParameterSets(`${SPS.toString('base64')},${PPS.toString('base64')}`)).toEqual([SPS, PPS]);
  });
});

describe('SDP and audio input', () => {
  const sdp = [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=cam', 't=0 0', 'a=control:*',
    'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAHtk=,aM48gA==', 'a=control:stream=0',
    'm=audio 0 RTP/AVP 97', 'a=rtpmap:97 MPEG4-GENERIC/16000/1',
    'a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1408;sizelength=13;indexlength=3;indexdeltalength=3', 'a=control:stream=1',
    'm=audio 0 RTP/AVP 8', 'a=control:trackID=3',
  ].join('\r\n');

  it('parses the media sections', () => {
    const parsed = parseSdp(sdp);
    expect(parsed.control).toBe('*');
    expect(parsed.media.map((m) => [m.kind, m.codec, m.clockRate, m.control])).toEqual([
      ['video', 'H264', 90000, 'stream=0'],
      ['audio', 'MPEG4-GENERIC', 16000, 'stream=1'],
      ['audio', 'PCMA', 8000, 'trackID=3'],
    ]);
    expect(parsed.media[0]!.fmtp['packetization-mode']).toBe('1');
  });

  it('resolves controls against the base', () => {
    expect(controlUrl('rtsp://h/cam/', 'stream=0')).toBe('rtsp://h/cam/stream=0');
    expect(controlUrl('rtsp://h/cam', 'stream=0')).toBe('rtsp://h/cam/stream=0');
    expect(controlUrl('rtsp://h/cam', 'rtsp://h/other')).toBe('rtsp://h/other');
  });

  it('turns RFC 3640 AAC into ADTS frames', () => {
    const aac = audioInput(parseSdp(sdp).media[1]!)!;
    const au = Buffer.alloc(10, 0x21);
    const payload = Buffer.concat([Buffer.from([0x00, 0x10, (10 << 3) >> 8, (10 << 3) & 0xff]), au]);
    const [header, frame] = aac.depacketize(payload);
    expect(header!.readUInt16BE(0) & 0xfff0).toBe(0xfff0);
    expect(((header![3]! & 3) << 11) | (header![4]! << 3) | (header![5]! >> 5)).toBe(17);
    expect(frame).toEqual(au);
    expect(audioInput(parseSdp(sdp).media[2]!)!.ffmpegFormat).toContain('alaw');
  });
});
