import { H264Depacketizer, type AccessUnit } from '../src/media/H264Depacketizer';
import { JpegSplitter } from '../src/cameras/Snapshots';

function rtp(seq: number, ts: number, marker: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | 96;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts, 4);
  h.writeUInt32BE(1234, 8);
  return Buffer.concat([h, payload]);
}
const nal = (type: number, body: number[]) => Buffer.from([0x60 | type, ...body]);
const annexB = (...nals: Buffer[]) => Buffer.concat(nals.flatMap((n) => [Buffer.from([0, 0, 0, 1]), n]));

describe('H264Depacketizer', () => {
  const collect = () => {
    const out: AccessUnit[] = [];
    return { out, d: new H264Depacketizer((au) => out.push(au)) };
  };

  it('rebuilds a keyframe from STAP-A (SPS, PPS) and FU-A fragments, then a single-NAL P frame', () => {
    const { out, d } = collect();
    const sps = nal(7, [1, 2, 3]);
    const pps = nal(8, [4]);
    const stap = Buffer.concat([Buffer.from([0x78]), Buffer.from([0, sps.length]), sps, Buffer.from([0, pps.length]), pps]);
    d.push(rtp(1, 9000, false, stap));
    // IDR split in three FU-A fragments: indicator keeps NRI, header carries type 5.
    d.push(rtp(2, 9000, false, Buffer.from([0x7c, 0x85, 10, 11])));
    d.push(rtp(3, 9000, false, Buffer.from([0x7c, 0x05, 12])));
    d.push(rtp(4, 9000, true, Buffer.from([0x7c, 0x45, 13])));
    d.push(rtp(5, 12600, true, nal(1, [20, 21])));
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({ keyframe: true, timestamp: 9000, data: annexB(sps, pps, Buffer.from([0x65, 10, 11, 12, 13])) });
    expect(out[1]).toEqual({ keyframe: false, timestamp: 12600, data: annexB(nal(1, [20, 21])) });
  });

  it('drops frames after a lost packet until the next keyframe', () => {
    const { out, d } = collect();
    d.push(rtp(10, 0, true, nal(5, [1])));
    d.push(rtp(12, 3600, true, nal(1, [2]))); // 11 lost
    d.push(rtp(13, 7200, true, nal(1, [3])));
    d.push(rtp(14, 10800, true, nal(5, [4])));
    expect(out.map((a) => a.timestamp)).toEqual([0, 10800]);
  });

  it('ignores garbage without throwing', () => {
    const { out, d } = collect();
    for (const junk of [Buffer.alloc(0), Buffer.alloc(5), Buffer.from('not rtp at all, just text')]) d.push(junk);
    d.push(rtp(1, 0, true, Buffer.from([0x78, 0xff, 0xff]))); // STAP-A with a size past the end
    expect(out).toEqual([]);
  });
});

describe('JpegSplitter', () => {
  it('splits concatenated JPEGs across chunk boundaries', () => {
    const seen: string[] = [];
    const s = new JpegSplitter((j) => seen.push(j.toString('hex')));
    const a = Buffer.from([0xff, 0xd8, 1, 2, 0xff, 0xd9]);
    const b = Buffer.from([0xff, 0xd8, 3, 0xff, 0xd9]);
    const all = Buffer.concat([a, b]);
    s.push(all.subarray(0, 3));
    s.push(all.subarray(3, 8));
    s.push(all.subarray(8));
    expect(seen).toEqual([a.toString('hex'), b.toString('hex')]);
  });
});
