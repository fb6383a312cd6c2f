import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createLogger } from '@county/shared/node';
import { ensureCountyCertificates } from '../../sfu-server/src/tls/CountyCa';
import { launchChromium } from '../support/browser';

// A township PC that trusts the county CA (in its NSS database, as docs/tls.md tells) opens the
// HTTPS page by name and by address with no certificate error, in a secure context where
// getUserMedia works. A browser that does not trust the CA is refused, and the trusting one still
// refuses another CA's certificate, which proves the check. (Loopback pages are secure contexts even
// over plain HTTP; on a LAN address only a trusted HTTPS page is one.)
describe('HTTPS with the county CA in Chromium', () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  let trusting: Browser | undefined;
  let untrusting: Browser | undefined;
  const homes = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('county-chromium-home-'));
  let homesBefore: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'county-tls-e2e-'));
    const certs = await ensureCountyCertificates({ dir: path.join(dir, 'tls'), hosts: [], logger: createLogger('tls-e2e') });
    server = https.createServer({ key: certs.key, cert: certs.cert }, (_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>county</title><p id="ok">county ok</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    homesBefore = homes();
    trusting = await launchChromium({ trustCaCert: certs.caCertPath });
  });
  afterAll(async () => {
    await trusting?.close();
    await untrusting?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(['localhost', '127.0.0.1'])('opens https://%s/ with no certificate error, in a secure context', async (host) => {
    const page = await trusting!.newPage();
    try {
      const res = await page.goto(`https://${host}:${port}/`);
      expect(res?.status()).toBe(200);
      expect(await page.textContent('#ok')).toBe('county ok');
      expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
      // What the product needs HTTPS for: a camera (Chromium's fake one here).
      const tracks = await page.evaluate(async () => {
        const stream = await navigator.mediaDevices.getUserMedia({ video: true });
        const kinds = stream.getTracks().map((t) => t.kind);
        stream.getTracks().forEach((t) => t.stop());
        return kinds;
      });
      expect(tracks).toEqual(['video']);
    } finally {
      await page.close();
    }
  });

  it('is refused by a Chromium that does not trust the CA', async () => {
    untrusting = await launchChromium();
    const page = await untrusting.newPage();
    await expect(page.goto(`https://localhost:${port}/`)).rejects.toThrow(/net::ERR_CERT_AUTHORITY_INVALID/);
    await untrusting.close();
    untrusting = undefined;
  });

  it('still refuses a certificate that another CA signed', async () => {
    const other = await ensureCountyCertificates({ dir: path.join(dir, 'other-tls'), hosts: [], logger: createLogger('tls-e2e') });
    const stranger = https.createServer({ key: other.key, cert: other.cert }, (_req, res) => res.end('stranger'));
    await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
    const page = await trusting!.newPage();
    try {
      await expect(page.goto(`https://localhost:${(stranger.address() as AddressInfo).port}/`)).rejects.toThrow(
        /net::ERR_CERT_AUTHORITY_INVALID/,
      );
    } finally {
      await page.close();
      stranger.closeAllConnections();
      await new Promise((resolve) => stranger.close(resolve));
    }
  });

  it('removes the temporary HOME when the browser closes', async () => {
    const added = homes().filter((h) => !homesBefore.includes(h));
    expect(added).toHaveLength(1);
    expect(fs.existsSync(path.join(os.tmpdir(), added[0]!, '.pki', 'nssdb', 'cert9.db'))).toBe(true);
    await trusting!.close();
    trusting = undefined;
    expect(fs.existsSync(path.join(os.tmpdir(), added[0]!))).toBe(false);
  });
});
