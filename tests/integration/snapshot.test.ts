import { liveStack } from '../support/liveStack';
import { adminFetch } from '../support/stack';

// Snapshots read the camera's live producer inside the SFU: no second RTSP session.
describe('camera snapshots', () => {
  const live = liveStack({
    mounts: ['/snap', '/hevc=h265'],
    cameras: (camera) => [
      { id: 'snap', name: '快照', url: camera.url('/snap') },
      { id: 'hevc', name: 'H.265', url: camera.url('/hevc') },
    ],
  });

  async function snapshot(id: string): Promise<{ status: number; type: string | null; body: Buffer; ms: number }> {
    const t0 = Date.now();
    const res = await adminFetch(live.stack.baseUrl, `/api/cameras/${id}/snapshot.jpg`);
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()), ms: Date.now() - t0 };
  }

  it('serves a JPEG of the live picture, and successive ones are fresh and quick', async () => {
    const first = await snapshot('snap');
    expect(first.status).toBe(200);
    expect(first.type).toBe('image/jpeg');
    expect(first.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(first.body.length).toBeGreaterThan(2000);
    await new Promise((r) => setTimeout(r, 1200));
    const second = await snapshot('snap');
    expect(second.status).toBe(200);
    // The picture moves (ball, clock): a fresh snapshot differs from one a second older.
    expect(second.body.equals(first.body)).toBe(false);
    expect(second.ms).toBeLessThan(1500);
  });

  it('works for a transcoded (H.265) camera too', async () => {
    const r = await snapshot('hevc');
    expect(r.status).toBe(200);
    expect(r.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('answers 404 for an unknown camera and 400 for a bad id', async () => {
    expect((await snapshot('nope')).status).toBe(404);
    expect((await snapshot('BAD%20ID')).status).toBe(400);
  });
});
