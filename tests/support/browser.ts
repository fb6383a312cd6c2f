import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, offline-safe flags (no background networking, fake media devices). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

const executablePath = () => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches Chromium. `trustCaCert` (a PEM file path) makes it trust that CA the way a township
 * PC does: Chromium on Linux reads trust anchors from the NSS database in $HOME/.pki/nssdb, so
 * the browser gets a temporary HOME whose database holds the CA (certutil, Debian libnss3-tools).
 * The temporary HOME is removed when the browser closes.
 */
export async function launchChromium(opts: { trustCaCert?: string } = {}): Promise<Browser> {
  if (!opts.trustCaCert) return chromium.launch({ executablePath: executablePath(), args: CHROMIUM_ARGS });

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'county-chromium-home-'));
  try {
    const db = `sql:${path.join(home, '.pki', 'nssdb')}`;
    fs.mkdirSync(path.join(home, '.pki', 'nssdb'), { recursive: true, mode: 0o700 });
    execFileSync('certutil', ['-d', db, '-N', '--empty-password'], { stdio: 'pipe' });
    // "C,," = a trusted CA for TLS servers (not for e-mail or code signing).
    execFileSync('certutil', ['-d', db, '-A', '-t', 'C,,', '-n', 'county-ca', '-i', opts.trustCaCert], { stdio: 'pipe' });
    const browser = await chromium.launch({
      executablePath: executablePath(),
      args: CHROMIUM_ARGS,
      env: { ...process.env, HOME: home },
    });
    browser.on('disconnected', () => fs.rmSync(home, { recursive: true, force: true }));
    return browser;
  } catch (e) {
    fs.rmSync(home, { recursive: true, force: true });
    throw e;
  }
}
