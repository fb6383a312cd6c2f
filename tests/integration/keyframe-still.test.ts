import { liveStack } from '../support/liveStack';
import { adminFetch, api, waitFor } from '../support/stack';

// The newest keyframe of a live camera is kept in the SFU, so a still comes at once even
// from a camera with a 4 s GOP (the live decode would wait up to 4 s for the next keyframe).
describe('keyframe stills', () => {
  const live = liveStack({
    mounts: ['/slow?gop=100'],
    cameras: (camera) => [{ id: 'slow', name: '慢关键帧', url: camera.url('/slow'), pull: 'always' }],
  });

  async function snapshot(id: string, query = ''): Promise<{ status: number; body: Buffer; ms: number; age: string | null }> {
    const t0 = Date.now();
    const res = await adminFetch(live.stack.baseUrl, `/api/cameras/${id}/snapshot.jpg${query}`);
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), ms: Date.now() - t0, age: res.headers.get('x-still-age-ms') };
  }

  it('answers from the cached keyframe well under the GOP, then drops it with the camera', async () => {
    const cache = live.stack.sfu.snapshots.keyframes;
    await waitFor('a cached keyframe', () => cache.latest('slow'), 15_000);

    const first = await snapshot('slow');
    expect(first.status).toBe(200);
    expect(first.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(first.body.length).toBeGreaterThan(2000);
    expect(first.age).not.toBeNull();
    expect(Number(first.age)).toBeLessThan(10_000);
    expect(first.ms).toBeLessThan(1000);
    // Same keyframe: the JPEG is not decoded again.
    const again = await snapshot('slow');
    expect(again.status).toBe(200);
    expect(again.ms).toBeLessThan(1000);
    process.stdout.write(`keyframe still: first ${first.ms} ms, again ${again.ms} ms (age ${first.age} / ${again.age} ms)\n`);

    // ?fresh=1 keeps the live decode: no age header.
    const fresh = await snapshot('slow', '?fresh=1');
    expect(fresh.status).toBe(200);
    expect(fresh.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(fresh.age).toBeNull();

    expect(cache.has('slow')).toBe(true);
    expect((await api(live.stack.baseUrl, 'DELETE', '/api/cameras/slow')).status).toBe(204);
    await waitFor('the cache entry dropped', () => !cache.has('slow') || undefined, 10_000);
    expect(cache.latest('slow')).toBeUndefined();
    expect(cache.size).toBe(0);
  }, 60_000);
});
