// Headless WebRTC viewers for bench/fanout.mjs: werift peers (ICE, DTLS, SRTP keys) that do
// not decode and do not even decrypt. Once connected, each viewer's UDP socket counts the
// video RTP packets itself (SRTP leaves the RTP header in clear: sequence number, SSRC) and
// hands only STUN, DTLS and RTCP to werift, so a viewer costs a few µs per packet.
// Viewers send no RTCP of their own beyond what werift does unasked (no NACK, no transport-cc
// feedback): loss is what arrives, not what a retransmission repaired.
//
// Run as a child process (`node bench/lib/viewers.mjs`), driven over IPC by fanout.mjs, so the
// viewers' CPU is theirs and not the SFU's or the bench's:
//   {id, op: 'project', count, url, token, roomId, cameraId, caps: 'browser'|'nocc'|'wall'}
//   {id, op: 'janus', count, url, room, feed}
//   {id, op: 'snapshot'}  -> [{received, highest, bytes}] per viewer
//   {id, op: 'close'}
import os from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Connection, RTCPeerConnection, RTCRtpCodecParameters, useNACK, usePLI, useFIR, useREMB, useTWCC, useTransportWideCC, useSdesMid, useAbsSendTime } =
  require('werift');
const { io } = require('socket.io-client');

// werift offers a host candidate per non-internal interface; the benchmark must stay on
// loopback, so this process sees only VIEWER_IP (as a usable, non-internal address).
const VIEWER_IP = process.env.VIEWER_IP ?? '127.0.0.1';
os.networkInterfaces = () => ({
  lo: [{ address: VIEWER_IP, netmask: '255.255.255.255', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: `${VIEWER_IP}/32` }],
});

// werift falls back to a public STUN server when given none; this network has no Internet
// and the viewers need only their host candidate.
const gather = Connection.prototype.gatherCandidates;
Connection.prototype.gatherCandidates = function gatherHostOnly() {
  this.stunServer = undefined;
  return gather.call(this);
};

const H264_FMTP = 'packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1';

function newPeer() {
  return new RTCPeerConnection({
    codecs: {
      audio: [],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          rtcpFeedback: [useNACK(), usePLI(), useFIR(), useREMB(), useTWCC()],
          parameters: H264_FMTP,
        }),
      ],
    },
    headerExtensions: { audio: [], video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()] },
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: VIEWER_IP },
  });
}

/** Counts one SSRC's RTP on every UDP socket of the peer's ICE transport; the rest goes to werift. */
function countRtp(pc, viewer) {
  for (const ice of pc.iceTransports) {
    for (const protocol of ice.connection.protocols) {
      const t = protocol.transport;
      if (!t || t.countedByBench) continue;
      t.countedByBench = true;
      try {
        t.socket.setRecvBufferSize(1 << 20);
      } catch {
        // capped by net.core.rmem_max: the default stays
      }
      const werift = t.onData;
      t.onData = (data, addr) => {
        const b0 = data[0];
        // RTP/RTCP (RFC 7983: 128..191); RTCP packet types 192..223 in the second byte.
        if (b0 >= 128 && b0 <= 191 && (data[1] < 192 || data[1] > 223)) {
          if (data.readUInt32BE(8) === viewer.ssrc) viewer.onRtp(data.readUInt16BE(2), data.length);
          return;
        }
        werift(data, addr);
      };
    }
  }
}

class Viewer {
  received = 0;
  bytes = 0;
  highest = -1; // extended sequence number
  ssrc = 0;
  closers = [];

  onRtp(seq, length) {
    this.received++;
    this.bytes += length;
    if (this.highest < 0) {
      this.highest = seq;
      return;
    }
    const cur = this.highest & 0xffff;
    let delta = (seq - cur) & 0xffff;
    if (delta >= 0x8000) delta -= 0x10000; // late or duplicate
    if (delta > 0) this.highest += delta;
  }

  snapshot() {
    return { received: this.received, highest: this.highest, bytes: this.bytes };
  }

  async close() {
    for (const c of this.closers.reverse()) await Promise.resolve(c()).catch(() => {});
  }
}

/**
 * Answers an offer. `beforeChecks(answerSdp)` runs before the peer starts its ICE checks (so
 * Janus knows our credentials before the first check: werift gives up on a pair after ~1.6 s).
 * Resolves with the local description (with its candidates) and a promise of connection.
 */
async function answer(pc, viewer, offerSdp, beforeChecks = async () => {}) {
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  const ans = await pc.createAnswer();
  await beforeChecks(ans.sdp);
  const connected = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('viewer: not connected after 20 s')), 20_000);
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected') {
        clearTimeout(t);
        countRtp(pc, viewer);
        resolve();
      } else if (s === 'failed') reject(new Error('viewer: connection failed'));
    });
  });
  connected.catch(() => {});
  await pc.setLocalDescription(ans);
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()));
  }
  const sdp = pc.localDescription.sdp;
  return { sdp, connected };
}

const fingerprintOf = (sdp) => {
  const m = /a=fingerprint:(\S+) (\S+)/.exec(sdp);
  return { algorithm: m[1].toLowerCase(), value: m[2] };
};

/** The offer a mediasoup-client would build for one recv consumer on a WebRTC transport. */
function mediasoupOffer(transport, consumer) {
  const { iceParameters, iceCandidates, dtlsParameters } = transport;
  const rtp = consumer.rtpParameters;
  const fp = dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? dtlsParameters.fingerprints[0];
  const mid = rtp.mid ?? '0';
  const pts = rtp.codecs.map((c) => c.payloadType);
  const lines = [
    'v=0', 'o=mediasoup 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=ice-lite', `a=fingerprint:${fp.algorithm} ${fp.value}`,
    `a=group:BUNDLE ${mid}`, 'a=msid-semantic: WMS *',
    `m=video 7 UDP/TLS/RTP/SAVPF ${pts.join(' ')}`, 'c=IN IP4 127.0.0.1', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=mid:${mid}`, 'a=sendonly', `a=ice-ufrag:${iceParameters.usernameFragment}`, `a=ice-pwd:${iceParameters.password}`,
    'a=setup:actpass', 'a=rtcp-mux', 'a=rtcp-rsize',
  ];
  for (const c of iceCandidates.filter((x) => x.protocol === 'udp')) {
    lines.push(`a=candidate:${c.foundation} 1 udp ${c.priority} ${c.ip ?? c.address} ${c.port} typ host`);
  }
  lines.push('a=end-of-candidates');
  for (const c of rtp.codecs) {
    const [, name] = c.mimeType.split('/');
    lines.push(`a=rtpmap:${c.payloadType} ${name}/${c.clockRate}`);
    const params = Object.entries(c.parameters ?? {}).map(([k, v]) => `${k}=${v}`);
    if (params.length) lines.push(`a=fmtp:${c.payloadType} ${params.join(';')}`);
    for (const fb of c.rtcpFeedback ?? []) lines.push(`a=rtcp-fb:${c.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
  }
  for (const e of rtp.headerExtensions ?? []) lines.push(`a=extmap:${e.id} ${e.uri}`);
  const enc = rtp.encodings[0];
  const cname = rtp.rtcp?.cname ?? 'bench';
  if (enc.rtx) lines.push(`a=ssrc-group:FID ${enc.ssrc} ${enc.rtx.ssrc}`);
  for (const ssrc of [enc.ssrc, enc.rtx?.ssrc].filter(Boolean)) {
    lines.push(`a=ssrc:${ssrc} cname:${cname}`, `a=ssrc:${ssrc} msid:bench-stream bench-track`);
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * What the viewer tells the SFU it can receive. `browser`: the router's capabilities as a
 * browser would match them (NACK, RTX, PLI, FIR, REMB, transport-cc and their header
 * extensions). `nocc`: the same without congestion-control feedback (no transport-cc, no REMB,
 * no abs-send-time / transport-wide-cc extensions), what the SFU's WALL_VIEWER_BWE=off leaves.
 * `wall`: only PLI and FIR and the MID extension (no NACK/RTX either).
 */
const CC_FEEDBACK = new Set(['transport-cc', 'goog-remb']);
const CC_EXTENSIONS = new Set([
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
]);
function capabilities(router, caps) {
  if (caps === 'browser') return router;
  if (caps === 'nocc') {
    return {
      codecs: router.codecs.map((c) => ({ ...c, rtcpFeedback: (c.rtcpFeedback ?? []).filter((f) => !CC_FEEDBACK.has(f.type)) })),
      headerExtensions: (router.headerExtensions ?? []).filter((e) => !CC_EXTENSIONS.has(e.uri)),
    };
  }
  return {
    codecs: router.codecs
      .filter((c) => c.mimeType.toLowerCase() === 'video/h264')
      .map((c) => ({ ...c, rtcpFeedback: (c.rtcpFeedback ?? []).filter((f) => f.type === 'ccm' || f.parameter === 'pli') })),
    headerExtensions: (router.headerExtensions ?? []).filter((e) => e.kind === 'video' && e.uri === 'urn:ietf:params:rtp-hdrext:sdes:mid'),
  };
}

/** One viewer through the project's own signalling: room:join, camera:watch, transport, consume, resume. */
export async function projectViewer({ url, token, roomId, cameraId, caps = 'browser' }) {
  const viewer = new Viewer();
  const socket = io(url, { transports: ['websocket'], forceNew: true, auth: { token }, reconnection: false });
  viewer.closers.push(() => socket.close());
  const emit = async (event, payload) => {
    const ack = await socket.timeout(20_000).emitWithAck(event, payload);
    if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
    return ack.data;
  };
  try {
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const joined = await emit('room:join', { roomId });
    await emit('camera:watch', { cameraIds: [cameraId] });
    const transport = await emit('transport:create', { direction: 'recv' });
    const consumer = await emit('camera:consume', {
      transportId: transport.id, cameraId, kind: 'video', rtpCapabilities: capabilities(joined.routerRtpCapabilities, caps),
    });
    viewer.ssrc = consumer.rtpParameters.encodings[0].ssrc;
    const pc = newPeer();
    viewer.closers.push(() => pc.close());
    const { sdp, connected } = await answer(pc, viewer, mediasoupOffer(transport, consumer));
    await emit('transport:connect', { transportId: transport.id, dtlsParameters: { role: 'client', fingerprints: [fingerprintOf(sdp)] } });
    await connected;
    await emit('consumer:resume', { consumerId: consumer.id });
    return viewer;
  } catch (e) {
    await viewer.close();
    throw e;
  }
}

/** One VideoRoom subscriber (its own handle in a shared session): join as subscriber, answer, start. */
export async function janusViewer(session, { room, feed }) {
  const viewer = new Viewer();
  const handle = await session.attach();
  viewer.closers.push(() => session.detach(handle));
  try {
    const joined = await session.message(handle, { request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
    const offer = joined.jsep.sdp;
    viewer.ssrc = Number(/a=ssrc:(\d+) /.exec(offer)[1]);
    const pc = newPeer();
    viewer.closers.push(() => pc.close());
    const { sdp, connected } = await answer(pc, viewer, offer, (ans) => session.message(handle, { request: 'start' }, { type: 'answer', sdp: ans }));
    for (const candidate of sdp.match(/^a=candidate:.*$/gm) ?? []) {
      await session.trickle(handle, { candidate: candidate.slice(2).trim(), sdpMid: '0', sdpMLineIndex: 0 });
    }
    await session.trickle(handle, { completed: true });
    await connected;
    return viewer;
  } catch (e) {
    await viewer.close();
    throw e;
  }
}

// ---- child process ------------------------------------------------------------------------

async function runChild() {
  const { JanusSession } = await import('./janus.mjs');
  const viewers = [];
  let janusSession;
  /** Adds `count` viewers a few at a time (signalling and DTLS are the slow part). */
  const addMany = async (count, make) => {
    const batch = 8;
    for (let i = 0; i < count; i += batch) {
      const made = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => make()));
      viewers.push(...made);
    }
  };
  process.on('message', async (msg) => {
    try {
      let result = null;
      if (msg.op === 'project') await addMany(msg.count, () => projectViewer(msg));
      else if (msg.op === 'janus') {
        janusSession ??= await JanusSession.create(msg.url);
        await addMany(msg.count, () => janusViewer(janusSession, msg));
      } else if (msg.op === 'snapshot') result = viewers.map((v) => v.snapshot());
      else if (msg.op === 'close') {
        await Promise.all(viewers.splice(0).map((v) => v.close()));
        await janusSession?.destroy();
        janusSession = undefined;
      }
      process.send({ id: msg.id, ok: true, result });
    } catch (e) {
      process.send({ id: msg.id, ok: false, error: String(e?.stack ?? e) });
    }
  });
  process.send({ ready: true });
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await runChild();
