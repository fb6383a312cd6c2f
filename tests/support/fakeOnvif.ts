// This fake stands in for a physical PTZ camera, which cannot run here. It speaks just enough
// ONVIF (Device, Media and PTZ services, SOAP 1.2 over HTTP, WS-Security UsernameToken with
// PasswordDigest) for the `onvif` npm package to connect, list presets, go to one and save one.
//
// What `new Cam(...)` (onvif 0.8.x) sends while connecting, in order:
//   1. GetSystemDateAndTime on the device path, without WS-Security (retried with it only if
//      the reply says "not authorized"); its UTC time sets the clock of later UsernameTokens.
//   2. GetServices (IncludeCapability=true) on the device path; only if that fails, GetCapabilities.
//      The XAddrs returned decide where media and PTZ requests go.
//   3. GetProfiles and GetVideoSources on the media XAddr (in parallel). The library then picks the
//      profile whose VideoSourceConfiguration.SourceToken matches the first video source (it throws
//      if none does) and uses its token as the ProfileToken of every PTZ call.
// Every request but GetSystemDateAndTime must carry a valid UsernameToken, else HTTP 400 with a
// ter:NotAuthorized fault, as real devices answer.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakePreset {
  token: string;
  name: string;
}

export interface FakeOnvifCamera {
  port: number;
  /** e.g. http://127.0.0.1:PORT/onvif/device_service */
  url: string;
  /** Live list; SetPreset appends (or renames the one whose PresetToken it names), names are kept. */
  presets: FakePreset[];
  /** Every PTZ call received after successful auth: e.g. {action:'GotoPreset', presetToken:'2'}, {action:'SetPreset', presetName:'close'} */
  calls: { action: string; presetToken?: string; presetName?: string }[];
  stop(): Promise<void>;
}

/** The one media profile's token (the ProfileToken the library puts in PTZ calls). */
export const FAKE_PROFILE_TOKEN = 'profile_1';

const NS = {
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  ptz: 'http://www.onvif.org/ver20/ptz/wsdl',
} as const;
const PATHS = { device: '/onvif/device_service', media: '/onvif/media_service', ptz: '/onvif/ptz_service' } as const;
const VIDEO_SOURCE_TOKEN = 'video_source_1';
const MAX_BODY = 1 << 20;

class SoapFault extends Error {
  constructor(
    readonly code: 'env:Sender' | 'env:Receiver',
    readonly subcodes: string[],
    readonly reason: string,
  ) {
    super(reason);
  }
}

const notAuthorized = (): SoapFault => new SoapFault('env:Sender', ['ter:NotAuthorized'], 'Sender not Authorized');
const actionNotSupported = (): SoapFault => new SoapFault('env:Receiver', ['ter:ActionNotSupported'], 'Optional Action Not Implemented');

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

/** Text of the first element with this local name (any prefix), unescaped; undefined if absent. */
function elementText(xml: string, local: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${local}\\s*>`).exec(xml);
  return m ? unescapeXml(m[1]!.trim()) : undefined;
}

/** Namespace URI and local name of the first element inside the SOAP Body. */
function operation(xml: string): { ns: string; action: string } | undefined {
  const m = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:([\w.-]+):)?([\w.-]+)\b([^>]*?)\/?>/.exec(xml);
  if (!m) return undefined;
  const [, prefix, action, attrs] = m;
  const decl = prefix ? new RegExp(`xmlns:${prefix}\\s*=\\s*"([^"]*)"`).exec(xml) : /xmlns\s*=\s*"([^"]*)"/.exec(attrs ?? '');
  return { ns: decl?.[1] ?? '', action: action! };
}

/** WS-Security UsernameToken check: PasswordDigest = Base64(SHA1(nonce bytes + Created + password)). */
function authorized(xml: string, username: string, password: string): boolean {
  const header = /<(?:[\w.-]+:)?Header\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?Header\s*>/.exec(xml)?.[1];
  if (!header) return false;
  const user = elementText(header, 'Username');
  const digest = elementText(header, 'Password');
  const nonce = elementText(header, 'Nonce');
  const created = elementText(header, 'Created');
  if (user === undefined || digest === undefined || nonce === undefined || created === undefined) return false;
  const expected = createHash('sha1')
    .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
  return user === username && digest === expected;
}

function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"' +
    ` xmlns:tds="${NS.device}" xmlns:trt="${NS.media}" xmlns:tptz="${NS.ptz}" xmlns:ter="http://www.onvif.org/ver10/error">` +
    `<env:Body>${body}</env:Body></env:Envelope>`
  );
}

function faultXml(f: SoapFault): string {
  const sub = f.subcodes.reduceRight((inner, code) => `<env:Subcode><env:Value>${code}</env:Value>${inner}</env:Subcode>`, '');
  return envelope(
    `<env:Fault><env:Code><env:Value>${f.code}</env:Value>${sub}</env:Code>` +
      `<env:Reason><env:Text xml:lang="en">${escapeXml(f.reason)}</env:Text></env:Reason></env:Fault>`,
  );
}

function systemDateAndTime(): string {
  const d = new Date();
  return (
    '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>' +
    '<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
    '<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>' +
    `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>` +
    '</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
  );
}

const PROFILE =
  `<trt:Profiles token="${FAKE_PROFILE_TOKEN}" fixed="true"><tt:Name>mainStream</tt:Name>` +
  `<tt:VideoSourceConfiguration token="video_source_config_1"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>1</tt:UseCount>` +
  `<tt:SourceToken>${VIDEO_SOURCE_TOKEN}</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>` +
  '<tt:VideoEncoderConfiguration token="video_encoder_config_1"><tt:Name>VideoEncoderConfig</tt:Name><tt:UseCount>1</tt:UseCount>' +
  '<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution>' +
  '<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>' +
  '<tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl><tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>' +
  '<tt:PTZConfiguration token="ptz_config_1"><tt:Name>PTZConfig</tt:Name><tt:UseCount>1</tt:UseCount>' +
  '<tt:NodeToken>ptz_node_1</tt:NodeToken><tt:DefaultPTZTimeout>PT5S</tt:DefaultPTZTimeout></tt:PTZConfiguration>' +
  '</trt:Profiles>';

const VIDEO_SOURCES =
  `<trt:GetVideoSourcesResponse><trt:VideoSources token="${VIDEO_SOURCE_TOKEN}"><tt:Framerate>25</tt:Framerate>` +
  '<tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>';

export async function startFakeOnvif(opts: { username: string; password: string; presets?: FakePreset[] }): Promise<FakeOnvifCamera> {
  const presets: FakePreset[] = (opts.presets ?? []).map((p) => ({ token: p.token, name: p.name }));
  const calls: FakeOnvifCamera['calls'] = [];
  let base = '';

  function services(): string {
    const svc = (ns: string, path: string, major: number): string =>
      `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${base}${path}</tds:XAddr>` +
      `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>0</tt:Minor></tds:Version></tds:Service>`;
    return `<tds:GetServicesResponse>${svc(NS.device, PATHS.device, 2)}${svc(NS.media, PATHS.media, 2)}${svc(NS.ptz, PATHS.ptz, 2)}</tds:GetServicesResponse>`;
  }

  function capabilities(): string {
    return (
      '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
      `<tt:Device><tt:XAddr>${base}${PATHS.device}</tt:XAddr></tt:Device>` +
      `<tt:Media><tt:XAddr>${base}${PATHS.media}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
      '<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>' +
      `<tt:PTZ><tt:XAddr>${base}${PATHS.ptz}</tt:XAddr></tt:PTZ>` +
      '</tds:Capabilities></tds:GetCapabilitiesResponse>'
    );
  }

  function checkProfile(xml: string): void {
    if (elementText(xml, 'ProfileToken') !== FAKE_PROFILE_TOKEN) {
      throw new SoapFault('env:Sender', ['ter:InvalidArgVal', 'ter:NoProfile'], 'The requested profile token does not exist');
    }
  }

  function ptz(action: string, xml: string): string {
    switch (action) {
      case 'GetPresets': {
        calls.push({ action });
        checkProfile(xml);
        const items = presets.map((p) => `<tptz:Preset token="${escapeXml(p.token)}"><tt:Name>${escapeXml(p.name)}</tt:Name></tptz:Preset>`);
        return `<tptz:GetPresetsResponse>${items.join('')}</tptz:GetPresetsResponse>`;
      }
      case 'GotoPreset': {
        const presetToken = elementText(xml, 'PresetToken') ?? '';
        calls.push({ action, presetToken });
        checkProfile(xml);
        if (!presets.some((p) => p.token === presetToken)) {
          throw new SoapFault('env:Sender', ['ter:InvalidArgVal', 'ter:NoToken'], 'The requested preset token does not exist');
        }
        return '<tptz:GotoPresetResponse/>';
      }
      case 'SetPreset': {
        const presetName = elementText(xml, 'PresetName') ?? '';
        const presetToken = elementText(xml, 'PresetToken');
        calls.push(presetToken === undefined ? { action, presetName } : { action, presetName, presetToken });
        checkProfile(xml);
        if (!presetName) throw new SoapFault('env:Sender', ['ter:InvalidArgVal', 'ter:InvalidPresetName'], 'The preset name is empty');
        // ONVIF PTZ spec: a name already used by another preset is ter:PresetExist.
        if (presets.some((p) => p.name === presetName && p.token !== presetToken)) {
          throw new SoapFault('env:Sender', ['ter:InvalidArgVal', 'ter:PresetExist'], 'The requested name already exists for another preset');
        }
        let preset: FakePreset;
        if (presetToken !== undefined) {
          const existing = presets.find((p) => p.token === presetToken);
          if (!existing) throw new SoapFault('env:Sender', ['ter:InvalidArgVal', 'ter:NoToken'], 'The requested preset token does not exist');
          existing.name = presetName;
          preset = existing;
        } else {
          const used = new Set(presets.map((p) => p.token));
          let n = presets.length + 1;
          while (used.has(String(n))) n++;
          preset = { token: String(n), name: presetName };
          presets.push(preset);
        }
        return `<tptz:SetPresetResponse><tptz:PresetToken>${escapeXml(preset.token)}</tptz:PresetToken></tptz:SetPresetResponse>`;
      }
      default:
        calls.push({ action });
        throw actionNotSupported();
    }
  }

  function handle(xml: string): string {
    const op = operation(xml);
    if (!op) throw new SoapFault('env:Sender', ['ter:WellFormed'], 'Not a SOAP request');
    const { ns, action } = op;
    if (ns === NS.device && action === 'GetSystemDateAndTime') return systemDateAndTime();
    if (!authorized(xml, opts.username, opts.password)) throw notAuthorized();
    if (ns === NS.device) {
      if (action === 'GetServices') return services();
      if (action === 'GetCapabilities') return capabilities();
      if (action === 'GetDeviceInformation') {
        return (
          '<tds:GetDeviceInformationResponse><tds:Manufacturer>County Test</tds:Manufacturer><tds:Model>FakePTZ</tds:Model>' +
          '<tds:FirmwareVersion>1.0</tds:FirmwareVersion><tds:SerialNumber>FAKE0001</tds:SerialNumber><tds:HardwareId>1</tds:HardwareId>' +
          '</tds:GetDeviceInformationResponse>'
        );
      }
    } else if (ns === NS.media) {
      if (action === 'GetProfiles') return `<trt:GetProfilesResponse>${PROFILE}</trt:GetProfilesResponse>`;
      if (action === 'GetVideoSources') return VIDEO_SOURCES;
    } else if (ns === NS.ptz) {
      return ptz(action, xml);
    }
    throw actionNotSupported();
  }

  function reply(res: http.ServerResponse, status: number, xml: string): void {
    res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(xml) });
    res.end(xml);
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (!Object.values(PATHS).some((p) => p === path)) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        reply(res, 200, envelope(handle(Buffer.concat(chunks).toString('utf8'))));
      } catch (err) {
        const fault = err instanceof SoapFault ? err : new SoapFault('env:Receiver', ['ter:Action'], String(err));
        // SOAP 1.2 over HTTP: faults are HTTP 400 here (real devices use 400 for NotAuthorized too).
        reply(res, fault.code === 'env:Sender' || fault.subcodes.includes('ter:ActionNotSupported') ? 400 : 500, faultXml(fault));
      }
    });
  });

  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  return {
    port,
    url: `${base}${PATHS.device}`,
    presets,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}
