// Janus 1.1 (Debian's `janus` package) for the fan-out comparison: started on loopback with
// its own configuration in a temporary folder (only the HTTP transport and the VideoRoom
// plugin load; nothing binds beyond 127.0.0.1), and a small client of its HTTP API.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const JANUS_BIN = '/usr/bin/janus';
const LIB = '/usr/lib/x86_64-linux-gnu/janus';

/** Whether Debian's janus is installed (`apt-get install -y janus`, or scripts/setup.sh). */
export function janusInstalled() {
  return fs.existsSync(JANUS_BIN) && fs.existsSync(path.join(LIB, 'plugins/libjanus_videoroom.so'));
}

/** Where Janus takes WebRTC, and where its viewers sit: loopback-range addresses on a veth pair. */
export const JANUS_ICE_IP = '127.0.0.77';
export const JANUS_VIEWER_IP = '127.0.0.78';
const IFACE = 'cvfan0';
const PEER = 'cvfan1';

/**
 * Janus gathers no ICE candidate on the loopback interface (it skips IFF_LOOPBACK), and the
 * benchmark must not send to the machine's LAN address. So Janus gets a veth pair (root needed)
 * of its own: cvfan0 holds 127.0.0.77/32 (Janus's only candidate), cvfan1 127.0.0.78/32 (the
 * viewers'), no IPv6. libnice sends from a socket tied to cvfan0, so its packets cross the pair
 * (route_localnet and accept_local on these two interfaces only); they never leave the host.
 * Returns a function that removes the pair if this call made it.
 */
function ensureIceInterface() {
  const ip = (...a) => execFileSync('ip', a, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  try {
    if (ip('-br', 'addr', 'show', IFACE).includes(JANUS_ICE_IP)) return () => {};
  } catch {
    // not there yet
  }
  ip('link', 'add', IFACE, 'type', 'veth', 'peer', 'name', PEER);
  for (const dev of [IFACE, PEER]) {
    for (const [key, value] of [['ipv6', 'disable_ipv6'], ['ipv4', 'route_localnet'], ['ipv4', 'accept_local']]) {
      try {
        fs.writeFileSync(`/proc/sys/net/${key}/conf/${dev}/${value}`, '1');
      } catch {
        // no IPv6 here at all
      }
    }
  }
  ip('addr', 'add', `${JANUS_ICE_IP}/32`, 'dev', IFACE);
  ip('addr', 'add', `${JANUS_VIEWER_IP}/32`, 'dev', PEER);
  ip('link', 'set', PEER, 'up');
  ip('link', 'set', IFACE, 'up');
  return () => {
    try {
      ip('link', 'del', IFACE);
    } catch {
      // already gone
    }
  };
}

const soNames = (dir, keep) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.so') && f !== keep).join(',') : '';

/**
 * Starts janus in the foreground with a configuration of its own: HTTP API on 127.0.0.1:`port`,
 * ICE host candidates on JANUS_ICE_IP only, every other plugin and transport disabled.
 * `general` and `media` add lines to those sections (e.g. `event_loops = 2` to `general`).
 */
export async function startJanus({ port = 8088, general = [], media = [] } = {}) {
  if (!janusInstalled()) throw new Error('janus is not installed: apt-get install -y janus (scripts/setup.sh does it)');
  const removeInterface = ensureIceInterface();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cv-bench-janus-'));
  fs.writeFileSync(
    path.join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
  debug_level = 4
  ${general.join('\n  ')}
}
media: {
  rtp_port_range = "46000-47999"
  ipv6 = false
  ${media.join('\n  ')}
}
nat: {
  nice_debug = false
  ice_enforce_list = "${JANUS_ICE_IP}"
  ignore_mdns = true
}
plugins: { disable = "${soNames(path.join(LIB, 'plugins'), 'libjanus_videoroom.so')}" }
transports: { disable = "${soNames(path.join(LIB, 'transports'), 'libjanus_http.so')}" }
events: { broadcast = false }
loggers: { disable = "${soNames(path.join(LIB, 'loggers'))}" }
`,
  );
  fs.writeFileSync(
    path.join(dir, 'janus.transport.http.jcfg'),
    `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: { admin_http = false }
`,
  );
  fs.writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  const log = path.join(dir, 'janus.log');
  const child = spawn(JANUS_BIN, ['-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-i', '127.0.0.1', '-o', '-N', '-L', log], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/janus`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`janus exited ${child.exitCode}; log: ${log}`);
    try {
      const r = await fetch(`${url}/info`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`janus did not answer on ${url}; log: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      removeInterface();
    },
  };
}

let tx = 0;
const transaction = () => `t${++tx}`;

/**
 * One Janus API session over HTTP: `attach` a plugin handle, `request` (synchronous plugin
 * answers) and `message` (the asynchronous event answering it, with its JSEP). One long-poll
 * loop per session receives every handle's events (and keeps the session alive).
 */
export class JanusSession {
  #url;
  #waiting = new Map(); // transaction -> resolve
  #closed = false;

  static async create(url) {
    const s = new JanusSession(url);
    const r = await s.#post(url, { janus: 'create' });
    s.id = r.data.id;
    s.#url = `${url}/${s.id}`;
    s.#poll();
    return s;
  }

  constructor(url) {
    this.#url = url;
  }

  async #post(url, body) {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ transaction: transaction(), ...body }) });
    const j = await r.json();
    if (j.janus === 'error') throw new Error(`janus: ${j.error.code} ${j.error.reason}`);
    return j;
  }

  async #poll() {
    while (!this.#closed) {
      try {
        const r = await fetch(`${this.#url}?maxev=50&rid=${Date.now()}`);
        const evs = await r.json();
        for (const ev of Array.isArray(evs) ? evs : [evs]) {
          const done = ev.transaction && this.#waiting.get(ev.transaction);
          if (done && ev.janus === 'event') {
            this.#waiting.delete(ev.transaction);
            done(ev);
          }
        }
      } catch {
        if (!this.#closed) await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async attach(plugin = 'janus.plugin.videoroom') {
    const r = await this.#post(this.#url, { janus: 'attach', plugin });
    return r.data.id;
  }

  /** A plugin request answered at once (create, add_remote_publisher, ...). */
  async request(handle, body) {
    const r = await this.#post(`${this.#url}/${handle}`, { janus: 'message', body });
    const data = r.plugindata?.data;
    if (data?.error) throw new Error(`videoroom: ${data.error_code} ${data.error}`);
    return data;
  }

  /** A plugin request whose answer comes as an event (join, start): resolves with `{data, jsep}`. */
  async message(handle, body, jsep) {
    const t = transaction();
    const ev = new Promise((resolve) => this.#waiting.set(t, resolve));
    const r = await fetch(`${this.#url}/${handle}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ janus: 'message', transaction: t, body, ...(jsep ? { jsep } : {}) }),
    });
    const ack = await r.json();
    if (ack.janus === 'error') throw new Error(`janus: ${ack.error.code} ${ack.error.reason}`);
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`janus: no answer to ${body.request}`)), 20_000).unref());
    const e = await Promise.race([ev, timeout]);
    const data = e.plugindata?.data;
    if (data?.error) throw new Error(`videoroom: ${data.error_code} ${data.error}`);
    return { data, jsep: e.jsep };
  }

  /** A trickled candidate, or `{completed: true}` (else Janus keeps waiting for more). */
  async trickle(handle, candidate) {
    await this.#post(`${this.#url}/${handle}`, { janus: 'trickle', candidate });
  }

  async detach(handle) {
    await this.#post(`${this.#url}/${handle}`, { janus: 'detach' }).catch(() => {});
  }

  async destroy() {
    this.#closed = true;
    await this.#post(this.#url, { janus: 'destroy' }).catch(() => {});
  }
}
