/** One media section of a camera's SDP (RFC 4566) as an RTSP client needs it. */
export interface SdpMedia {
  kind: 'video' | 'audio';
  payloadType: number;
  /** Upper-case encoding name: H264, H265, JPEG, MPEG4-GENERIC, PCMA, PCMU, ... */
  codec: string;
  clockRate: number;
  channels?: number;
  /** fmtp parameters, keys lower-cased. */
  fmtp: Record<string, string>;
  /** a=control of the section ('' if none). */
  control: string;
}

/** Static payload types (RFC 3551) a camera may use without an rtpmap. */
const STATIC: Record<number, [string, number, number?]> = {
  0: ['PCMU', 8000, 1],
  8: ['PCMA', 8000, 1],
  26: ['JPEG', 90000],
};

export interface ParsedSdp {
  /** Session-level a=control ('' if none). */
  control: string;
  media: SdpMedia[];
}

/** The first payload type of each audio and video section, with its rtpmap, fmtp and control. */
export function parseSdp(text: string): ParsedSdp {
  const out: ParsedSdp = { control: '', media: [] };
  let current: SdpMedia | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [kind, , , pt] = line.slice(2).split(/\s+/);
      current = undefined;
      if ((kind === 'video' || kind === 'audio') && pt !== undefined && /^\d+$/.test(pt)) {
        const payloadType = Number(pt);
        const known = STATIC[payloadType];
        current = { kind, payloadType, codec: known?.[0] ?? '', clockRate: known?.[1] ?? 90000, channels: known?.[2], fmtp: {}, control: '' };
        out.media.push(current);
      }
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const attr = line.slice(2);
    if (attr.startsWith('control:')) {
      if (current) current.control = attr.slice(8).trim();
      else if (out.media.length === 0) out.control = attr.slice(8).trim();
      continue;
    }
    if (!current) continue;
    const m = /^(rtpmap|fmtp):(\d+)\s+(.*)$/.exec(attr);
    if (!m || Number(m[2]) !== current.payloadType) continue;
    if (m[1] === 'rtpmap') {
      const [name = '', rate, channels] = m[3]!.split('/');
      current.codec = name.toUpperCase();
      current.clockRate = Number(rate) || current.clockRate;
      if (channels) current.channels = Number(channels);
    } else {
      for (const kv of m[3]!.split(';')) {
        const eq = kv.indexOf('=');
        if (eq > 0) current.fmtp[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim();
      }
    }
  }
  return out;
}

/** The URL a SETUP for `control` goes to (RFC 2326 C.1.1: relative to Content-Base, else the request URL). */
export function controlUrl(base: string, control: string): string {
  if (!control || control === '*') return base;
  if (/^rtsps?:\/\//i.test(control)) return control;
  return base.endsWith('/') ? base + control : `${base}/${control}`;
}
