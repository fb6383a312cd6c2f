import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { createLogger } from '@county/shared/node';
import { ensureCountyCertificates, lanAddresses } from '../src/tls/CountyCa';

// The generated county CA and server certificate, checked with real TLS handshakes on loopback.
const DAY = 24 * 60 * 60 * 1000;
const HOSTS = ['10.20.30.40', 'wall.county.local', 'fd00:0:0::7'];

function capture() {
  const lines: string[] = [];
  const logger = createLogger('tls-test', { level: 'info', destination: { write: (s: string) => void lines.push(s) } });
  return { lines, logger };
}

function get(port: number, options: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const sans = (pem: string) => new crypto.X509Certificate(pem).subjectAltName ?? '';

describe('county CA and server certificate', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'county-ca-test-'));
    dirs.push(d);
    return path.join(d, 'tls'); // Not created yet: ensureCountyCertificates makes it.
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe('a fresh directory', () => {
    let dir: string;
    let certs: Awaited<ReturnType<typeof ensureCountyCertificates>>;
    let lines: string[];
    let server: https.Server;
    let port: number;
    beforeAll(async () => {
      dir = newDir();
      const log = capture();
      lines = log.lines;
      const t0 = Date.now();
      certs = await ensureCountyCertificates({ dir, hosts: HOSTS, logger: log.logger });
      process.stderr.write(`county CA + server certificate generated in ${Date.now() - t0} ms\n`);
      server = https.createServer({ key: certs.key, cert: certs.cert }, (_req, res) => res.end('county ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    });

    it('writes four files, keys readable by the owner only, in a 0700 directory', () => {
      expect(fs.readdirSync(dir).sort()).toEqual(['ca.crt', 'ca.key', 'server.crt', 'server.key']);
      expect(mode(dir)).toBe(0o700);
      expect(mode(path.join(dir, 'ca.key'))).toBe(0o600);
      expect(mode(path.join(dir, 'server.key'))).toBe(0o600);
      expect(certs.caCertPath).toBe(path.join(dir, 'ca.crt'));
      expect(fs.readFileSync(certs.caCertPath, 'utf8')).toBe(certs.caCert);
      expect(fs.readFileSync(path.join(dir, 'server.crt'), 'utf8')).toBe(certs.cert);
      expect(fs.readFileSync(path.join(dir, 'server.key'), 'utf8')).toBe(certs.key);
    });

    it('makes a 10-year CA that may sign only leaf certificates', () => {
      const ca = forge.pki.certificateFromPem(certs.caCert);
      expect(ca.subject.getField('CN').value).toBe('County Video Command Center CA');
      expect(ca.subject.getField('O').value).toBe('County Video Command Center');
      expect(ca.publicKey).toHaveProperty('n');
      expect((ca.publicKey as forge.pki.rsa.PublicKey).n.bitLength()).toBe(2048);
      expect(ca.getExtension('basicConstraints')).toMatchObject({ cA: true, pathLenConstraint: 0, critical: true });
      expect(ca.getExtension('keyUsage')).toMatchObject({ keyCertSign: true, cRLSign: true, digitalSignature: false });
      const years = (ca.validity.notAfter.getTime() - Date.now()) / (365.25 * DAY);
      expect(years).toBeGreaterThan(9.9);
      expect(years).toBeLessThan(10.1);
      expect(new crypto.X509Certificate(certs.caCert).ca).toBe(true);
    });

    it('signs a 397-day server certificate naming every host', () => {
      const ca = new crypto.X509Certificate(certs.caCert);
      const leaf = new crypto.X509Certificate(certs.cert);
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(forge.pki.certificateFromPem(certs.caCert).verify(forge.pki.certificateFromPem(certs.cert))).toBe(true);
      expect(leaf.checkPrivateKey(crypto.createPrivateKey(certs.key))).toBe(true);
      expect(leaf.ca).toBe(false);
      for (const ip of ['127.0.0.1', '::1', '10.20.30.40', 'fd00::7']) expect(leaf.checkIP(ip)).toBeDefined();
      for (const name of ['localhost', 'wall.county.local']) expect(leaf.checkHost(name, { subject: 'never' })).toBe(name);
      expect(sans(certs.cert)).toContain('DNS:wall.county.local');
      expect(sans(certs.cert)).toContain('IP Address:10.20.30.40');
      const days = (Date.parse(leaf.validTo) - Date.now()) / DAY;
      expect(days).toBeGreaterThan(396.9);
      expect(days).toBeLessThanOrEqual(397);
      const f = forge.pki.certificateFromPem(certs.cert);
      expect(f.getExtension('basicConstraints')).toMatchObject({ cA: false });
      expect(f.getExtension('extKeyUsage')).toMatchObject({ serverAuth: true });
      expect(f.getExtension('keyUsage')).toMatchObject({ digitalSignature: true, keyEncipherment: true, keyCertSign: false });
      const ski = (forge.pki.certificateFromPem(certs.caCert).getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string })
        .subjectKeyIdentifier;
      expect(ski).toMatch(/^[0-9a-f]{40}$/);
      expect(f.getExtension('subjectKeyIdentifier')).toBeDefined();
      // authorityKeyIdentifier names the CA's key, so clients pick the right issuer.
      const aki = f.getExtension('authorityKeyIdentifier') as { value: string } | undefined;
      expect(aki && forge.util.bytesToHex(aki.value)).toContain(ski);
    });

    it('logs what it generated, never a key', () => {
      const all = lines.join('');
      expect(all).toContain('generated county CA');
      expect(all).toContain('generated server certificate');
      expect(all).not.toMatch(/PRIVATE KEY/);
      const keyBody = certs.key.split('\n')[3]!;
      expect(all).not.toContain(keyBody);
    });

    it('serves HTTPS that Node trusts with the CA, by IP address and by name', async () => {
      await expect(get(port, { ca: certs.caCert })).resolves.toEqual({ status: 200, body: 'county ok' });
      await expect(get(port, { ca: certs.caCert, servername: 'localhost', headers: { host: `localhost:${port}` } })).resolves.toEqual({
        status: 200,
        body: 'county ok',
      });
    });

    it('is rejected without the CA, and for a name it does not carry', async () => {
      await expect(get(port, {})).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      await expect(get(port, { servername: 'localhost' })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      await expect(get(port, { ca: certs.caCert, servername: 'elsewhere.example' })).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
    });

    it('reuses valid files on the next start', async () => {
      const before = fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs);
      const again = await ensureCountyCertificates({ dir, hosts: ['wall.county.local', '10.20.30.40'], logger: capture().logger });
      expect(again).toEqual(certs);
      expect(fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs)).toEqual(before);
    });
  });

  it('renews the server certificate for a new host and keeps the CA', async () => {
    const dir = newDir();
    const first = await ensureCountyCertificates({ dir, hosts: ['10.1.1.1'], logger: capture().logger });
    const caKey = fs.readFileSync(path.join(dir, 'ca.key'), 'utf8');
    const second = await ensureCountyCertificates({ dir, hosts: ['10.1.1.1', 'ops-pc.county.local'], logger: capture().logger });
    expect(second.caCert).toBe(first.caCert);
    expect(fs.readFileSync(path.join(dir, 'ca.key'), 'utf8')).toBe(caKey);
    expect(second.cert).not.toBe(first.cert);
    expect(second.key).not.toBe(first.key);
    const leaf = new crypto.X509Certificate(second.cert);
    expect(leaf.verify(new crypto.X509Certificate(first.caCert).publicKey)).toBe(true);
    expect(leaf.checkHost('ops-pc.county.local', { subject: 'never' })).toBe('ops-pc.county.local');
    expect(leaf.checkIP('10.1.1.1')).toBe('10.1.1.1');
    expect(mode(path.join(dir, 'server.key'))).toBe(0o600);
    expect(fs.readdirSync(dir).sort()).toEqual(['ca.crt', 'ca.key', 'server.crt', 'server.key']); // No temp files left.
  });

  /** A server certificate made outside the module: signed by `signer` (the county CA unless given). */
  function plantServerCert(dir: string, opts: { days: number; selfSigned?: boolean }): string {
    const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 }); // Small: only the checks matter here.
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date(Date.now() - DAY);
    cert.validity.notAfter = new Date(Date.now() + opts.days * DAY);
    cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
    cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] }]);
    if (opts.selfSigned) {
      cert.setIssuer(cert.subject.attributes);
      cert.sign(keys.privateKey, forge.md.sha256.create());
    } else {
      const ca = forge.pki.certificateFromPem(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'));
      cert.setIssuer(ca.subject.attributes);
      cert.sign(forge.pki.privateKeyFromPem(fs.readFileSync(path.join(dir, 'ca.key'), 'utf8')), forge.md.sha256.create());
    }
    const pem = forge.pki.certificateToPem(cert);
    fs.writeFileSync(path.join(dir, 'server.crt'), pem);
    fs.writeFileSync(path.join(dir, 'server.key'), forge.pki.privateKeyToPem(keys.privateKey), { mode: 0o600 });
    return pem;
  }

  it('renews a server certificate that expires within 30 days, or that another CA signed', async () => {
    const dir = newDir();
    const { caCert } = await ensureCountyCertificates({ dir, hosts: [], logger: capture().logger });

    const fine = plantServerCert(dir, { days: 60 });
    expect((await ensureCountyCertificates({ dir, hosts: [], logger: capture().logger })).cert).toBe(fine);

    const expiring = plantServerCert(dir, { days: 29 });
    const log = capture();
    const renewed = await ensureCountyCertificates({ dir, hosts: [], logger: log.logger });
    expect(renewed.cert).not.toBe(expiring);
    expect(renewed.caCert).toBe(caCert);
    expect(log.lines.join('')).toContain('expires');

    const foreign = plantServerCert(dir, { days: 300, selfSigned: true });
    const replaced = await ensureCountyCertificates({ dir, hosts: [], logger: capture().logger });
    expect(replaced.cert).not.toBe(foreign);
    expect(new crypto.X509Certificate(replaced.cert).verify(new crypto.X509Certificate(caCert).publicKey)).toBe(true);
    expect(replaced.caCert).toBe(caCert);
  });

  it('never replaces a damaged CA that PCs may already trust', async () => {
    const dir = newDir();
    const { caCert } = await ensureCountyCertificates({ dir, hosts: [], logger: capture().logger });
    fs.writeFileSync(path.join(dir, 'ca.key'), 'garbage');
    await expect(ensureCountyCertificates({ dir, hosts: [], logger: capture().logger })).rejects.toThrow(/never replaced automatically/);
    expect(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8')).toBe(caCert);
    // Another CA's key that does not belong to ca.crt is refused too.
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    fs.writeFileSync(path.join(dir, 'ca.key'), other);
    await expect(ensureCountyCertificates({ dir, hosts: [], logger: capture().logger })).rejects.toThrow(/does not belong/);
  });

  it('lanAddresses: every non-internal address for a wildcard bind, plus the host name', () => {
    const all = lanAddresses('0.0.0.0');
    expect(all).toContain(os.hostname());
    const external = Object.values(os.networkInterfaces())
      .flatMap((l) => l ?? [])
      .filter((a) => !a.internal)
      .map((a) => a.address);
    for (const a of external) expect(all).toContain(a);
    expect(all).not.toContain('127.0.0.1');
    expect(lanAddresses('::')).toEqual(all);
    expect(lanAddresses('192.168.10.5')).toEqual(['192.168.10.5', os.hostname()]);
  });
});
