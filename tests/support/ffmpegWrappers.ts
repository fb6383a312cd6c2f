import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gatewayTools } from './stack';

/**
 * The gateway's real ffmpeg behind a small shell script that changes one thing about the
 * pull, to play a hostile LAN or a misbehaving sender. `exec` keeps signals (the gateway's
 * SIGTERM/SIGKILL) going to ffmpeg itself. Remove `dir` when done.
 */
export interface WrappedFfmpeg {
  /** With H.264 passthrough through ffmpeg too (not the gateway's relay), so the wrapper sees every pull. */
  tools: { ffmpegPath: string; ffprobePath: string; passthrough: 'ffmpeg' };
  dir: string;
}

function wrapper(name: string, body: string, extra: Record<string, string> = {}): WrappedFfmpeg {
  const real = gatewayTools();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cv-${name}-`));
  for (const [file, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, file), text);
  const script = path.join(dir, 'ffmpeg');
  fs.writeFileSync(script, `#!/bin/bash\nFFMPEG=${JSON.stringify(real.ffmpegPath)}\nDIR=${JSON.stringify(dir)}\nNODE=${JSON.stringify(process.execPath)}\n${body}\n`, {
    mode: 0o755,
  });
  return { tools: { ffmpegPath: script, ffprobePath: real.ffprobePath, passthrough: 'ffmpeg' }, dir };
}

// Sends a few RTP-looking packets (V=2, PT 96, a random SSRC) and an RTCP-looking one to
// the ingest port (RTCP is muxed), from 127.0.0.2 (another host on the LAN) and from another
// port of 127.0.0.1, then appends "sent <port>" to DIR/junk.log.
const JUNK_SENDER = `
const dgram = require('node:dgram');
const fs = require('node:fs');
const [rtpPort, rtcpPort, log] = process.argv.slice(2);
const rtp = Buffer.alloc(200, 0xab);
rtp[0] = 0x80; rtp[1] = 96; rtp.writeUInt16BE(1, 2); rtp.writeUInt32BE(1234, 4); rtp.writeUInt32BE(0x5eed5eed, 8);
const rtcp = Buffer.from([0x80, 200, 0, 6, 0x5e, 0xed, 0x5e, 0xed, ...Buffer.alloc(24)]);
(async () => {
  for (const from of ['127.0.0.2', '127.0.0.1']) {
    const s = dgram.createSocket('udp4');
    await new Promise((r) => s.bind(0, from, r));
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => s.send(rtp, Number(rtpPort), '127.0.0.1', r));
      await new Promise((r) => s.send(rtcp, Number(rtcpPort), '127.0.0.1', r));
    }
    s.close();
  }
  fs.appendFileSync(log, 'sent ' + rtpPort + '\\n');
})();
`;

/** Before ffmpeg starts, junk RTP hits each ingest port it is about to send to, from other senders. */
export function junkFirstFfmpeg(): WrappedFfmpeg {
  return wrapper(
    'junk',
    `for a in "$@"; do
  if [[ $a =~ ^udp://127\\.0\\.0\\.1:([0-9]+)\\? ]]; then
    "$NODE" "$DIR/junk.js" "\${BASH_REMATCH[1]}" "\${BASH_REMATCH[1]}" "$DIR/junk.log"
  fi
done
exec "$FFMPEG" "$@"`,
    { 'junk.js': JUNK_SENDER },
  );
}

/** ffmpeg stamps its RTP with an SSRC the SFU did not give: packets arrive, no producer takes them. */
export function wrongSsrcFfmpeg(): WrappedFfmpeg {
  return wrapper(
    'ssrc',
    `args=(); prev=
for a in "$@"; do
  if [[ $prev == -ssrc ]]; then args+=(424242); else args+=("$a"); fi
  prev=$a
done
exec "$FFMPEG" "\${args[@]}"`,
  );
}
