#!/usr/bin/env node
// Makes sure node_modules/mediasoup has a working mediasoup-worker binary, without the Internet.
//
// Order: 1) a cached binary keyed by mediasoup version + arch (outside the repo);
//        2) a binary already at mediasoup's default path;
//        3) mediasoup's own prebuilt download (skipped when MEDIASOUP_SKIP_PREBUILT_DOWNLOAD=1);
//        4) build the worker from the npm tarball's own worker/ sources against Debian's
//           system libraries: mediasoup's meson file pulls every dependency as a meson wrap
//           (downloaded from the Internet), so we swap each subproject() for dependency().
// mediasoup reads MEDIASOUP_WORKER_BIN at run time too, but placing the binary at the default
// path means no process needs that variable.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const msDir = path.dirname(require.resolve('mediasoup/package.json', { paths: [root] }));
const msVersion = JSON.parse(fs.readFileSync(path.join(msDir, 'package.json'), 'utf8')).version;
const cacheDir = path.join(
  process.env.COUNTY_VIDEO_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'county-video'),
);
const cachedBin = path.join(cacheDir, `mediasoup-worker-${msVersion}-${os.platform()}-${os.arch()}`);
const defaultBin = path.join(msDir, 'worker', 'out', 'Release', 'mediasoup-worker');

const log = (msg) => console.log(`[mediasoup-worker] ${msg}`);

/** mediasoup's own check: the worker run without MEDIASOUP_VERSION exits with 41. */
function works(bin) {
  if (!fs.existsSync(bin)) return false;
  const r = spawnSync(bin, [], { env: {}, stdio: 'ignore', timeout: 10_000 });
  return r.status === 41;
}

function install(from) {
  fs.mkdirSync(path.dirname(defaultBin), { recursive: true });
  if (path.resolve(from) !== path.resolve(defaultBin)) fs.copyFileSync(from, defaultBin);
  fs.chmodSync(defaultBin, 0o755);
  if (!works(cachedBin)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.copyFileSync(defaultBin, cachedBin + '.tmp');
    fs.renameSync(cachedBin + '.tmp', cachedBin);
    fs.chmodSync(cachedBin, 0o755);
  }
}

async function tryPrebuiltDownload() {
  if (process.env.MEDIASOUP_SKIP_PREBUILT_DOWNLOAD === '1') return false;
  const pkg = JSON.parse(fs.readFileSync(path.join(msDir, 'package.json'), 'utf8'));
  const base =
    process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ??
    `${String(pkg.repository.url).replace(/^git\+/, '').replace(/\.git$/, '')}/releases/download`;
  const url = `${base}/${msVersion}/mediasoup-worker-${msVersion}-${os.platform()}-${os.arch()}.tgz`;
  log(`trying mediasoup's prebuilt worker (${url})`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const tgz = path.join(os.tmpdir(), `ms-worker-${process.pid}.tgz`);
    fs.writeFileSync(tgz, Buffer.from(await res.arrayBuffer()));
    fs.mkdirSync(path.dirname(defaultBin), { recursive: true });
    execFileSync('tar', ['-xzf', tgz, '-C', path.dirname(defaultBin)]);
    fs.rmSync(tgz, { force: true });
    return works(defaultBin);
  } catch (err) {
    log(`prebuilt download unavailable (${err.cause?.code ?? err.message}); building from source`);
    return false;
  }
}

/** Rewrites mediasoup's meson files to take every dependency from the system (pkg-config). */
function patchMeson(workerDir) {
  const systemDeps = `
# --- county-video: system libraries from Debian instead of meson wraps ---
_srtp = dependency('libsrtp2')
openssl_dep = dependency('openssl')
nlohmann_json_dep = dependency('nlohmann_json')
libuv_dep = dependency('libuv')
# Debian installs srtp.h under <includedir>/srtp2; the sources include <srtp.h>.
libsrtp2_dep = declare_dependency(
  dependencies: _srtp,
  compile_args: ['-I' + _srtp.get_variable(pkgconfig: 'includedir') / 'srtp2'],
)
usrsctp_dep = dependency('usrsctp')
# dependency('a', 'b') means "the first found", so one dependency() per abseil library.
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'), dependency('absl_btree'),
  dependency('absl_inlined_vector'), dependency('absl_memory'),
])
absl_strings_dep = dependency('absl_strings')
absl_types_dep = dependency('absl_optional')
catch2_dep = dependency('catch2', required: false)
`;
  const mesonFile = path.join(workerDir, 'meson.build');
  let m = fs.readFileSync(mesonFile, 'utf8');
  m = m.replace(/openssl_proj = subproject\([\s\S]*?\ncatch2_proj = subproject\([\s\S]*?\n\)\n/, systemDeps);
  m = m.replace(/link_whole = \[[\s\S]*?\n\]/, 'link_whole = [\n  libwebrtc,\n]');
  m = m.replace(/meson_version: '>= 1\.1\.0'/, "meson_version: '>= 1.0.0'");
  m = m.replace(/\w+_proj\.get_variable\('(\w+)'\)/g, '$1');
  if (m.includes('subproject(') && !/wingetopt_proj = subproject/.test(m)) throw new Error('meson.build: unpatched subproject()');
  fs.writeFileSync(mesonFile, m);

  const webrtcFile = path.join(workerDir, 'deps', 'libwebrtc', 'meson.build');
  let w = fs.readFileSync(webrtcFile, 'utf8');
  w = w.replace(/abseil_cpp_proj = subproject\([\s\S]*?\n\)\n/, '');
  w = w.replace(/\w+_proj\.get_variable\('(\w+)'\)/g, '$1');
  fs.writeFileSync(webrtcFile, w);
}

function buildFromSource() {
  const buildRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-worker-build-'));
  try {
    const workerDir = path.join(buildRoot, 'worker');
    log(`building mediasoup-worker ${msVersion} from source against Debian libraries in ${buildRoot} (~3 min on 2 cores)`);
    fs.cpSync(path.join(msDir, 'worker'), workerDir, {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}out${path.sep}`) && !src.endsWith(`${path.sep}out`),
    });
    patchMeson(workerDir);
    const out = path.join(workerDir, 'out');
    execFileSync('meson', ['setup', '--wrap-mode=nodownload', '--buildtype=release', out, workerDir], {
      stdio: 'inherit',
    });
    execFileSync('ninja', ['-C', out, 'mediasoup-worker'], { stdio: 'inherit' });
    const bin = path.join(out, 'mediasoup-worker');
    if (!works(bin)) throw new Error('built mediasoup-worker does not run');
    install(bin);
  } finally {
    fs.rmSync(buildRoot, { recursive: true, force: true });
  }
}

if (works(cachedBin)) {
  if (!works(defaultBin) || fs.statSync(defaultBin).size !== fs.statSync(cachedBin).size) install(cachedBin);
  log(`using cached ${cachedBin}`);
} else if (works(defaultBin)) {
  install(defaultBin);
  log(`worker present at ${defaultBin}; cached it`);
} else if (await tryPrebuiltDownload()) {
  install(defaultBin);
  log('using mediasoup prebuilt worker');
} else {
  buildFromSource();
  log(`built and cached ${cachedBin}`);
}
