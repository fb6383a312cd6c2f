import { FAKE_PROFILE_TOKEN, startFakeOnvif, type FakeOnvifCamera } from '../support/fakeOnvif';

// The few `onvif` calls used here, typed by hand.
type Callback<T> = (err: Error | null, data: T) => void;
interface OnvifCam {
  activeSource?: { profileToken: string };
  getPresets(options: object, cb: Callback<Record<string, { $: { token: string | number } }>>): void;
  gotoPreset(options: { preset: string }, cb: Callback<unknown>): void;
  setPreset(options: { presetName: string; presetToken?: string }, cb: Callback<unknown>): void;
  getHostname(cb: Callback<unknown>): void;
  once(event: 'rawResponse', listener: (xml: string, status: number) => void): void;
}
type CamConstructor = new (
  options: { hostname: string; port: number; username: string; password: string; path: string; timeout: number },
  cb: (err: Error | null) => void,
) => OnvifCam;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Cam } = require('onvif') as { Cam: CamConstructor };

const USER = 'operator';
const PASSWORD = 's3cret!';

function connect(port: number, password: string): Promise<OnvifCam> {
  return new Promise((resolve, reject) => {
    const cam = new Cam({ hostname: '127.0.0.1', port, username: USER, password, path: '/onvif/device_service', timeout: 5000 }, (err) =>
      err ? reject(err) : resolve(cam),
    );
  });
}

function call<T>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
}

/** name -> token; the library turns numeric-looking tokens into numbers, so String() them back. */
async function presets(cam: OnvifCam): Promise<Record<string, string>> {
  const raw = await call<Record<string, { $: { token: string | number } }>>((cb) => cam.getPresets({}, cb));
  return Object.fromEntries(Object.entries(raw).map(([name, p]) => [name, String(p.$.token)]));
}

async function soap(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' },
    body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${body}</s:Body></s:Envelope>`,
  });
  return { status: res.status, text: await res.text() };
}

describe('fake ONVIF PTZ camera', () => {
  let fake: FakeOnvifCamera;
  let cam: OnvifCam;
  beforeAll(async () => {
    fake = await startFakeOnvif({
      username: USER,
      password: PASSWORD,
      presets: [
        { token: '1', name: 'panorama' },
        { token: '2', name: 'door' },
      ],
    });
    cam = await connect(fake.port, PASSWORD);
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it('listens on loopback only and connects with the right credentials', () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/onvif/device_service`);
    expect(cam.activeSource?.profileToken).toBe(FAKE_PROFILE_TOKEN);
  });

  it('lists its presets', async () => {
    expect(await presets(cam)).toEqual({ panorama: '1', door: '2' });
    const raw = await call<Record<string, { $: { token: string | number } }>>((cb) => cam.getPresets({}, cb));
    // A quirk of the library (utils.linerase), as with real cameras' numeric tokens.
    expect(raw.door?.$.token).toBe(2);
  });

  it('goes to a preset, and refuses an unknown one', async () => {
    await call((cb) => cam.gotoPreset({ preset: '2' }, cb));
    expect(fake.calls).toContainEqual({ action: 'GotoPreset', presetToken: '2' });
    await expect(call((cb) => cam.gotoPreset({ preset: '99' }, cb))).rejects.toThrow(/preset token does not exist/);
  });

  it('saves a preset under its name, and refuses a second one of the same name', async () => {
    await call((cb) => cam.setPreset({ presetName: 'close' }, cb));
    expect(fake.calls).toContainEqual({ action: 'SetPreset', presetName: 'close' });
    expect(fake.presets).toContainEqual({ token: '3', name: 'close' });
    expect(await presets(cam)).toEqual({ panorama: '1', door: '2', close: '3' });
    // ONVIF's ter:PresetExist; overwriting takes the existing PresetToken.
    await expect(call((cb) => cam.setPreset({ presetName: 'close' }, cb))).rejects.toThrow(/already exists/);
    await call((cb) => cam.setPreset({ presetName: 'close', presetToken: '3' }, cb));
    expect(fake.presets).toHaveLength(3);
  });

  it('refuses a wrong password', async () => {
    const before = fake.calls.length;
    await expect(connect(fake.port, 'wrong')).rejects.toThrow(/Sender not Authorized/);
    expect(fake.calls).toHaveLength(before);
  });

  it('faults an unknown action with ter:ActionNotSupported (HTTP 400)', async () => {
    const raw = new Promise<{ xml: string; status: number }>((resolve) => cam.once('rawResponse', (xml, status) => resolve({ xml, status })));
    await expect(call((cb) => cam.getHostname(cb))).rejects.toThrow(/Not Implemented/);
    const { xml, status } = await raw;
    expect(status).toBe(400);
    expect(xml).toContain('ter:ActionNotSupported');
  });

  it('answers GetSystemDateAndTime without auth, but faults other actions without it', async () => {
    const time = await soap(fake.url, '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>');
    expect(time.status).toBe(200);
    expect(time.text).toContain('UTCDateTime');
    const profiles = await soap(fake.url, '<GetProfiles xmlns="http://www.onvif.org/ver10/media/wsdl"/>');
    expect(profiles.status).toBe(400);
    expect(profiles.text).toContain('ter:NotAuthorized');
    const before = fake.calls.length;
    await expect(call((cb) => cam.setPreset({ presetName: 'x', presetToken: '42' }, cb))).rejects.toThrow(/does not exist/);
    expect(fake.calls.slice(before)).toEqual([{ action: 'SetPreset', presetName: 'x', presetToken: '42' }]);
  });
});
