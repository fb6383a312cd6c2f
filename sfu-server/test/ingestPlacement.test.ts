import { CameraGateways } from '../src/cameras/CameraGateways';
import { expectedSourceIp, reachable } from '../src/media/RtpIngest';

describe('CameraGateways: which gateway pulls which camera', () => {
  const cameras = Array.from({ length: 40 }, (_, i) => `cam-${i}`);
  afterEach(() => jest.useRealTimers());

  it('splits cameras over gateways by id, the same way every time', () => {
    const a = new CameraGateways(1000);
    a.connected('gw-a');
    a.connected('gw-b');
    a.place(cameras);
    const b = new CameraGateways(1000);
    b.connected('gw-b');
    b.connected('gw-a');
    b.place(cameras);
    const owners = cameras.map((c) => a.ownerOf(c));
    expect(new Set(owners)).toEqual(new Set(['gw-a', 'gw-b']));
    expect(cameras.map((c) => b.ownerOf(c))).toEqual(owners);
  });

  it('keeps an away gateway\'s cameras for the grace period, then moves them', () => {
    jest.useFakeTimers();
    const g = new CameraGateways(15_000);
    const changes = jest.fn();
    g.on('change', changes);
    g.connected('gw-a');
    g.connected('gw-b');
    g.place(cameras);
    const ofA = cameras.filter((c) => g.ownerOf(c) === 'gw-a');
    changes.mockClear();

    g.disconnected('gw-a');
    expect(g.place(cameras)).toEqual([]); // nothing moves while it may come back
    jest.advanceTimersByTime(10_000);
    g.connected('gw-a'); // back in time
    jest.advanceTimersByTime(10_000);
    expect(changes).not.toHaveBeenCalled();
    expect(g.place(cameras)).toEqual([]);

    g.disconnected('gw-a');
    jest.advanceTimersByTime(15_000);
    expect(changes).toHaveBeenCalledTimes(1);
    expect(g.place(cameras).sort()).toEqual(ofA.sort());
    expect(cameras.every((c) => g.ownerOf(c) === 'gw-b')).toBe(true);
    g.close();
  });

  it('moves only a share of the cameras to a gateway that joins', () => {
    const g = new CameraGateways(1000);
    g.connected('gw-a');
    g.connected('gw-b');
    g.place(cameras);
    g.connected('gw-c');
    const moved = g.place(cameras);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(cameras.length / 2);
    expect(moved.every((c) => g.ownerOf(c) === 'gw-c')).toBe(true);
  });
});

describe('the address an ingest expects RTP from', () => {
  it('is the gateway\'s address, IPv4-mapped IPv6 unwrapped', () => {
    expect(expectedSourceIp('10.1.2.3', { listenIp: '0.0.0.0', announcedIp: '10.1.0.1' })).toBe('10.1.2.3');
    expect(expectedSourceIp('::ffff:10.1.2.3', { listenIp: '10.1.0.1' })).toBe('10.1.2.3');
  });

  it('for a gateway on the same host, the address it sends to', () => {
    expect(expectedSourceIp('::ffff:127.0.0.1', { listenIp: '127.0.0.1' })).toBe('127.0.0.1');
    expect(expectedSourceIp('::1', { listenIp: '127.0.0.1' })).toBe('127.0.0.1');
    expect(expectedSourceIp('127.0.0.1', { listenIp: '0.0.0.0', announcedIp: '10.1.0.1' })).toBe('10.1.0.1');
    expect(expectedSourceIp('127.0.0.1', { listenIp: '::' })).toBe('::1');
  });

  it('must be of the ingest\'s IP version', () => {
    expect(reachable('10.1.2.3', '0.0.0.0')).toBe(true);
    expect(reachable('fd00::5', '0.0.0.0')).toBe(false);
    expect(reachable('fd00::5', '::')).toBe(true);
  });
});
