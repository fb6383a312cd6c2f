#!/usr/bin/env node
// Many simulated cameras sharing a few encoders, for bench/capacity.mjs: takes one RTSP
// session per mount from the GStreamer sim camera and serves each mount's RTP to any number
// of RTSP clients (TCP interleaved only: OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER,
// TEARDOWN), as a camera serving several clients from one encoder does. GStreamer's own
// server, with hundreds of sessions on a shared mount, now and then hung a whole mount (every
// DESCRIBE timed out): capacity runs lost 15 of 60 cameras that way.
//   node bench/rtsp-fanout.mjs --upstream rtsp://127.0.0.1:8554 --mount /p0 --mount /p1
// Prints "READY <port>" once it serves (127.0.0.1, a free port).
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { RtspSession } = createRequire(import.meta.url)(path.join(root, 'camera-gateway/dist/rtsp/RtspSession.js'));
const { values } = parseArgs({ options: { upstream: { type: 'string' }, mount: { type: 'string', multiple: true } } });

/** mount -> { sdp, clients: Set<socket> } */
const mounts = new Map();
for (const m of values.mount ?? []) {
  const session = await RtspSession.open(`${values.upstream}${m}`);
  const video = session.tracks.find((t) => t.kind === 'video');
  const [track] = await session.play([video]);
  const clients = new Set();
  session.onPacket = (channel, packet) => {
    if (channel !== track.channel || clients.size === 0) return;
    const framed = Buffer.allocUnsafe(4 + packet.length);
    framed[0] = 0x24;
    framed[1] = 0;
    framed.writeUInt16BE(packet.length, 2);
    packet.copy(framed, 4);
    for (const c of clients) if (c.writableLength < 1 << 20) c.write(framed); // a client behind loses packets, as over a real link
  };
  const fmtp = Object.entries(video.fmtp).map(([k, v]) => `${k}=${v}`).join(';');
  const sdp = [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', `s=${m}`, 'c=IN IP4 127.0.0.1', 't=0 0', 'a=control:*',
    `m=video 0 RTP/AVP ${video.payloadType}`, `a=rtpmap:${video.payloadType} ${video.codec}/${video.clockRate}`,
    ...(fmtp ? [`a=fmtp:${video.payloadType} ${fmtp}`] : []), 'a=control:stream=0', '',
  ].join('\r\n');
  mounts.set(m, { sdp, clients });
}

let sessions = 0;
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let buffered = '';
  let mount;
  let session;
  socket.on('error', () => undefined);
  socket.on('close', () => mount?.clients.delete(socket));
  socket.on('data', (chunk) => {
    buffered += chunk.toString('latin1');
    // Interleaved frames from the client (RTCP receiver reports): skipped.
    while (buffered.charCodeAt(0) === 0x24 && buffered.length >= 4) {
      const len = 4 + ((buffered.charCodeAt(2) << 8) | buffered.charCodeAt(3));
      if (buffered.length < len) return;
      buffered = buffered.slice(len);
    }
    for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
      const head = buffered.slice(0, end).split('\r\n');
      buffered = buffered.slice(end + 4);
      const [method, uri] = head[0].split(' ');
      const cseq = head.find((l) => /^cseq:/i.test(l))?.split(':')[1].trim() ?? '0';
      const reply = (status, headers = {}, body = '') => {
        const lines = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`];
        for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
        if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
      };
      const url = new URL(uri === '*' ? 'rtsp://x/' : uri);
      const name = [...mounts.keys()].find((k) => url.pathname === k || url.pathname.startsWith(`${k}/`));
      if (method === 'OPTIONS') reply('200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN' });
      else if (!name && method !== 'GET_PARAMETER' && method !== 'TEARDOWN') reply('404 Not Found');
      else if (method === 'DESCRIBE') {
        reply('200 OK', { 'Content-Base': `rtsp://127.0.0.1:${server.address().port}${name}/`, 'Content-Type': 'application/sdp' }, mounts.get(name).sdp);
      } else if (method === 'SETUP') {
        session = session ?? String(++sessions).padStart(8, '0');
        mount = mounts.get(name);
        reply('200 OK', { Session: `${session};timeout=60`, Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
      } else if (method === 'PLAY') {
        reply('200 OK', { Session: session ?? '' });
        mount?.clients.add(socket);
      } else if (method === 'GET_PARAMETER') reply('200 OK', { Session: session ?? '' });
      else if (method === 'TEARDOWN') {
        reply('200 OK');
        socket.end();
      } else reply('501 Not Implemented');
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(`READY ${server.address().port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
