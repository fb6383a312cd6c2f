import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@county/shared/node';
import { CameraNetworks } from '../../sfu-server/src/cameras/CameraNetworks';
import type { CameraRegistry } from '../../sfu-server/src/cameras/CameraRegistry';
import { PTZ_FAILURES, PtzControl } from '../../sfu-server/src/cameras/Ptz';
import { startFakeOnvif, type FakeOnvifCamera } from '../support/fakeOnvif';
import { api, startStack, type Stack } from '../support/stack';

/** Only the remote writes this: it must reach the log, never an API answer. */
const MARKER = 'ONVIF-REMOTE-SAYS-51c2e';

/** An HTTP "ONVIF device" that answers every request with `body`. */
async function answeringDevice(status: number, type: string, body: string): Promise<{ url: string; requests: () => number; stop: () => Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/onvif/device_service`,
    requests: () => requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const soapFault = (reason: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error">' +
  `<env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value><env:Subcode><env:Value>ter:${MARKER}</env:Value></env:Subcode></env:Code>` +
  `<env:Reason><env:Text xml:lang="en">${reason}</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`;

// PTZ errors shown to API users are fixed texts; what the device said goes to the log.
describe('PTZ errors and addresses', () => {
  let stack: Stack;
  const devices: { stop: () => Promise<void> }[] = [];
  beforeAll(async () => {
    stack = await startStack({ gateway: false });
  });
  afterAll(async () => {
    await stack?.stop();
    for (const d of devices) await d.stop();
  });

  it.each([
    ['a SOAP fault with its own words', 500, 'application/soap+xml', soapFault(`${MARKER} the device's own words`)],
    ['an HTML page', 200, 'text/html', `<html><body>${MARKER} router login</body></html>`],
  ])('%s -> 503 with a fixed message; the words only in the log', async (_what, status, type, body) => {
    const device = await answeringDevice(status, type, body);
    devices.push(device);
    const id = `ptz-${devices.length}`;
    const cam = { id, name: 'x', url: 'rtsp://127.0.0.1:9/x', onvif: { url: device.url, username: 'u', password: 'p' } };
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', cam)).status).toBe(201);
    for (const [method, path, reqBody] of [
      ['GET', `/api/cameras/${id}/ptz/presets`, undefined],
      ['POST', `/api/cameras/${id}/ptz/goto`, { name: 'gate' }],
      ['POST', `/api/cameras/${id}/ptz/presets`, { name: 'gate' }],
    ] as const) {
      const r = await api(stack.baseUrl, method, path, reqBody);
      expect(r.status).toBe(503);
      expect(r.text).not.toContain(MARKER);
      expect(Object.values(PTZ_FAILURES)).toContain((r.json as { message: string }).message);
    }
    expect(device.requests()).toBeGreaterThan(0);
    expect(stack.logs.text).toContain(MARKER); // the operator can still read what happened
  });

  it('a wrong ONVIF password still reads "ONVIF login refused"', async () => {
    const device: FakeOnvifCamera = await startFakeOnvif({ username: 'operator', password: 'right-one', presets: [{ token: '1', name: 'a' }] });
    devices.push(device);
    const cam = { id: 'ptz-wrong', name: 'x', url: 'rtsp://127.0.0.1:9/x', onvif: { url: device.url, username: 'operator', password: 'wrong' } };
    expect((await api(stack.baseUrl, 'POST', '/api/cameras', cam)).status).toBe(201);
    const r = await api(stack.baseUrl, 'GET', '/api/cameras/ptz-wrong/ptz/presets');
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ message: PTZ_FAILURES.login });
  });

  it('checks the camera networks again before contacting a device (a camera stored before they were narrowed)', async () => {
    const device = await answeringDevice(500, 'application/soap+xml', soapFault('unused'));
    devices.push(device);
    const record = { id: 'old-ptz', name: 'x', url: 'rtsp://10.0.0.5/x', onvif: { url: device.url, username: 'u', password: 'p' } };
    // Only what PtzControl uses of the registry: the stored camera and the networks of now.
    const registry = {
      on: () => registry,
      record: async () => record,
      networks: new CameraNetworks('10.0.0.0/8'),
    } as unknown as CameraRegistry;
    const ptz = new PtzControl(registry, createLogger('test', { level: 'silent' }));
    await expect(ptz.presets('old-ptz')).rejects.toMatchObject({
      code: 'conflict',
      message: `onvif url: host 127.0.0.1 is not on a camera network (CAMERA_NETWORKS)`,
    });
    expect(device.requests()).toBe(0);
  });
});
