import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { Logger } from '@county/shared/node';

/**
 * A county CA and a server certificate for HTTPS on the county LAN, used when no TLS_CERT/TLS_KEY
 * from the county's own PKI is configured. Browsers only allow getUserMedia on secure pages, so a
 * township PC that trusts this CA once (docs/tls.md) gets a camera and microphone on every server
 * address named in the certificate.
 *
 * node:crypto generates the keys (native, off the event loop) and checks existing files;
 * node-forge builds and signs the certificates (node:crypto cannot).
 */

const CA_SUBJECT_CN = 'County Video Command Center CA';
const ORGANIZATION = 'County Video Command Center';
const CA_YEARS = 10;
const SERVER_DAYS = 397; // Apple rejects TLS certificates valid longer than 398 days.
const RENEW_WITHIN_DAYS = 30;
const BACKDATE_MS = 60 * 60 * 1000; // A township PC whose clock runs a little behind still accepts a fresh certificate.
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CountyCertificates {
  /** Server private key (PEM). */
  key: string;
  /** Server certificate (PEM), signed by the county CA. */
  cert: string;
  /** County CA certificate (PEM): what township PCs trust, served for download. */
  caCert: string;
  /** Path of ca.crt on disk. */
  caCertPath: string;
}

const generateKeyPair = promisify(crypto.generateKeyPair);

/**
 * Loads or creates `<dir>/ca.key`, `ca.crt`, `server.key`, `server.crt`.
 * The CA is created once and then kept forever: township PCs trust it, so replacing it would
 * break every PC. A damaged CA is therefore an error, never silently replaced. The server
 * certificate is replaced when it expires within 30 days, was not issued by this CA, does not
 * match its key, or does not name every wanted host.
 */
export async function ensureCountyCertificates(opts: { dir: string; hosts: string[]; logger: Logger }): Promise<CountyCertificates> {
  const { dir, logger } = opts;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const file = (name: string) => path.join(dir, name);
  const caCertPath = file('ca.crt');

  const ca = await loadOrCreateCa(file('ca.key'), caCertPath, logger);
  const wanted = normalizeHosts(['localhost', '127.0.0.1', '::1', ...opts.hosts], logger);

  const existing = readServer(file('server.key'), file('server.crt'));
  const reason = existing ? whyRenew(existing, ca.x509, wanted) : 'none on disk';
  if (existing && !reason) {
    logger.info({ dir, hosts: [...wanted.names, ...wanted.ips], validTo: existing.x509.validTo }, 'TLS: using existing server certificate');
    return { key: existing.keyPem, cert: existing.certPem, caCert: ca.certPem, caCertPath };
  }

  const started = Date.now();
  const keys = await newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  // Never outlive the CA: a chain with an expired issuer fails anyway.
  const notAfter = new Date(Math.min(Date.now() + SERVER_DAYS * DAY_MS, ca.cert.validity.notAfter.getTime()));
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const cn = (wanted.names.find((n) => n !== 'localhost') ?? wanted.ips.find((ip) => !isLoopback(ip)) ?? 'localhost').slice(0, 64);
  cert.setSubject([
    { name: 'commonName', value: cn },
    { name: 'organizationName', value: ORGANIZATION },
  ]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...wanted.names.map((value) => ({ type: 2, value })), ...wanted.ips.map((ip) => ({ type: 7, ip }))],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.keyIdentifier },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeAtomic(file('server.key'), keys.privatePem, 0o600);
  writeAtomic(file('server.crt'), certPem, 0o644);
  logger.info(
    { dir, reason, hosts: [...wanted.names, ...wanted.ips], validTo: notAfter.toISOString(), ms: Date.now() - started },
    'TLS: generated server certificate signed by the county CA',
  );
  return { key: keys.privatePem, cert: certPem, caCert: ca.certPem, caCertPath };
}

/**
 * The addresses a LAN browser may use to reach a server listening on `host`, for the
 * certificate's names. A wildcard bind (0.0.0.0 / ::) is reachable on every interface; the
 * host name is added because PCs often browse by name (Windows resolves it over NetBIOS/LLMNR).
 */
export function lanAddresses(host: string): string[] {
  const out = new Set<string>();
  if (host === '0.0.0.0' || host === '::' || host === '') {
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list ?? []) if (!a.internal) out.add(a.address);
    }
  } else {
    out.add(host);
  }
  out.add(os.hostname());
  return [...out];
}

interface Ca {
  key: forge.pki.rsa.PrivateKey;
  cert: forge.pki.Certificate;
  x509: crypto.X509Certificate;
  certPem: string;
  /** Subject key identifier (binary string) for the server certificate's authorityKeyIdentifier. */
  keyIdentifier: string;
}

async function loadOrCreateCa(keyPath: string, certPath: string, logger: Logger): Promise<Ca> {
  // Until ca.crt exists no PC can have trusted this CA, so a stray ca.key alone is overwritten.
  if (fs.existsSync(certPath)) return loadCa(keyPath, certPath, logger);

  const started = Date.now();
  const keys = await newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(Date.now() - BACKDATE_MS);
  cert.validity.notAfter = new Date(cert.validity.notBefore);
  cert.validity.notAfter.setFullYear(cert.validity.notAfter.getFullYear() + CA_YEARS);
  const subject = [
    { name: 'commonName', value: CA_SUBJECT_CN },
    { name: 'organizationName', value: ORGANIZATION },
    // Tells apart the CAs of several servers in a PC's certificate store.
    { name: 'organizationalUnitName', value: os.hostname().slice(0, 64) },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  // Key first, certificate last: ca.crt on disk means "complete".
  writeAtomic(keyPath, keys.privatePem, 0o600);
  writeAtomic(certPath, certPem, 0o644);
  const x509 = new crypto.X509Certificate(certPem);
  logger.info(
    { caCertPath: certPath, sha256: x509.fingerprint256, sha1: x509.fingerprint, validTo: x509.validTo, ms: Date.now() - started },
    'TLS: generated county CA (township PCs must trust ca.crt, see docs/tls.md)',
  );
  return { key: keys.privateKey, cert, x509, certPem, keyIdentifier: cert.generateSubjectKeyIdentifier().getBytes() };
}

function loadCa(keyPath: string, certPath: string, logger: Logger): Ca {
  const refuse = (why: string): never => {
    throw new Error(
      `TLS: the county CA in ${path.dirname(certPath)} is unusable (${why}). It is never replaced automatically, ` +
        'because township PCs trust it. Restore ca.key and ca.crt from a backup, or move them away to generate a new CA ' +
        '(every PC must then trust the new ca.crt).',
    );
  };
  let certPem: string;
  let keyPem: string;
  let x509: crypto.X509Certificate;
  let cert: forge.pki.Certificate;
  let key: forge.pki.rsa.PrivateKey;
  try {
    certPem = fs.readFileSync(certPath, 'utf8');
    x509 = new crypto.X509Certificate(certPem);
    cert = forge.pki.certificateFromPem(certPem);
  } catch (e) {
    return refuse(`ca.crt: ${(e as Error).message}`);
  }
  try {
    keyPem = fs.readFileSync(keyPath, 'utf8');
    key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
    if (!x509.checkPrivateKey(crypto.createPrivateKey(keyPem))) return refuse('ca.key does not belong to ca.crt');
  } catch (e) {
    return refuse(`ca.key: ${(e as Error).message}`);
  }
  if (!x509.ca) return refuse('ca.crt is not a CA certificate');
  const left = Date.parse(x509.validTo) - Date.now();
  if (left <= 0) return refuse(`it expired on ${x509.validTo}`);
  if (left < 365 * DAY_MS) logger.warn({ caCertPath: certPath, validTo: x509.validTo }, 'TLS: the county CA expires within a year');
  if ((fs.statSync(keyPath).mode & 0o077) !== 0) fs.chmodSync(keyPath, 0o600);
  const ski = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  logger.info({ caCertPath: certPath, sha256: x509.fingerprint256, sha1: x509.fingerprint, validTo: x509.validTo }, 'TLS: using existing county CA');
  return {
    key,
    cert,
    x509,
    certPem,
    keyIdentifier: ski?.subjectKeyIdentifier ? forge.util.hexToBytes(ski.subjectKeyIdentifier) : cert.generateSubjectKeyIdentifier().getBytes(),
  };
}

interface ServerFiles {
  keyPem: string;
  certPem: string;
  x509: crypto.X509Certificate;
  key: crypto.KeyObject;
}

function readServer(keyPath: string, certPath: string): ServerFiles | undefined {
  try {
    const keyPem = fs.readFileSync(keyPath, 'utf8');
    const certPem = fs.readFileSync(certPath, 'utf8');
    return { keyPem, certPem, x509: new crypto.X509Certificate(certPem), key: crypto.createPrivateKey(keyPem) };
  } catch {
    return undefined; // Missing or unreadable: a new one is made.
  }
}

/** Why the server certificate on disk must be replaced, or undefined when it is fine. */
function whyRenew(s: ServerFiles, ca: crypto.X509Certificate, wanted: { names: string[]; ips: string[] }): string | undefined {
  if (!s.x509.checkIssued(ca) || !s.x509.verify(ca.publicKey)) return 'not signed by the county CA';
  if (!s.x509.checkPrivateKey(s.key)) return 'server.key does not match server.crt';
  if (Date.parse(s.x509.validTo) - Date.now() < RENEW_WITHIN_DAYS * DAY_MS) return `expires ${s.x509.validTo}`;
  if (Date.parse(s.x509.validFrom) > Date.now()) return `not valid before ${s.x509.validFrom}`;
  const missing = [
    ...wanted.names.filter((n) => s.x509.checkHost(n, { subject: 'never', wildcards: false }) === undefined),
    ...wanted.ips.filter((ip) => s.x509.checkIP(ip) === undefined),
  ];
  return missing.length ? `does not name ${missing.join(', ')}` : undefined;
}

/** Splits hosts into canonical IP addresses and ASCII DNS names, without duplicates. */
function normalizeHosts(hosts: string[], logger: Logger): { names: string[]; ips: string[] } {
  const names = new Set<string>();
  const ips = new Set<string>();
  for (const raw of hosts) {
    // "[fe80::1%eth0]" -> "fe80::1": a certificate cannot carry a zone id.
    const h = raw.trim().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '').toLowerCase();
    if (!h) continue;
    const family = net.isIP(h);
    if (family) {
      // The unspecified address is a bind address, not one a browser can use.
      if (h === '0.0.0.0' || h === '::') continue;
      ips.add(family === 6 ? new URL(`http://[${h}]/`).hostname.slice(1, -1) : h);
    } else {
      const ascii = domainToASCII(h); // Non-ASCII host names become punycode; '' when invalid.
      if (ascii) names.add(ascii);
      else logger.warn({ host: raw }, 'TLS: not a valid host name, left out of the certificate');
    }
  }
  return { names: [...names], ips: [...ips] };
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

async function newKeyPair(): Promise<{ privatePem: string; privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey }> {
  const { privateKey, publicKey } = await generateKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    privatePem: privateKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

/** 128 random bits, positive and minimally DER-encoded (first byte 0x01..0x7f). */
function randomSerial(): string {
  const b = crypto.randomBytes(16);
  b[0] = (b[0]! & 0x7f) || 0x01;
  return b.toString('hex');
}

/** Write then rename, so a crash never leaves half a key or certificate behind. */
function writeAtomic(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}
