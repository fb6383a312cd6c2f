"""The ONVIF side of the simulated camera: a minimal SOAP 1.2 endpoint over HTTP with just
enough of the Device and Media services for the `onvif` npm package's `Cam` to connect
(GetSystemDateAndTime, GetServices, GetCapabilities, GetProfiles, GetVideoSources), plus
Media `SetSynchronizationPoint`, which makes the named profile's encoder emit a keyframe now.

One media profile per RTSP mount, in mount order; the token is the mount path without its
slash ("/cam" -> "cam"). `GET /stats` answers JSON counts for tests and benchmarks.

Without a username every request is taken (a camera with authentication off); with one,
every request but GetSystemDateAndTime must carry a WS-Security UsernameToken digest, as
tests/support/fakeOnvif.ts checks.
"""
import base64
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

NS_DEVICE = "http://www.onvif.org/ver10/device/wsdl"
NS_MEDIA = "http://www.onvif.org/ver10/media/wsdl"
DEVICE_PATH = "/onvif/device_service"
MEDIA_PATH = "/onvif/media_service"
VIDEO_SOURCE_TOKEN = "video_source_1"
MAX_BODY = 1 << 20


class SoapFault(Exception):
    def __init__(self, status, code, subcodes, reason):
        super().__init__(reason)
        self.status, self.code, self.subcodes, self.reason = status, code, subcodes, reason


def not_authorized():
    return SoapFault(400, "env:Sender", ["ter:NotAuthorized"], "Sender not Authorized")


def not_supported():
    return SoapFault(400, "env:Receiver", ["ter:ActionNotSupported"], "Optional Action Not Implemented")


def element_text(xml, local):
    m = re.search(r"<(?:[\w.-]+:)?%s(?:\s[^>]*)?>([^<]*)</(?:[\w.-]+:)?%s\s*>" % (local, local), xml)
    if not m:
        return None
    text = m.group(1).strip()
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def operation(xml):
    """(namespace, local name) of the first element in the SOAP Body."""
    m = re.search(r"<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:([\w.-]+):)?([\w.-]+)\b([^>]*?)/?>", xml)
    if not m:
        return None
    prefix, action, attrs = m.group(1), m.group(2), m.group(3) or ""
    if prefix:
        decl = re.search(r'xmlns:%s\s*=\s*"([^"]*)"' % re.escape(prefix), xml)
    else:
        decl = re.search(r'xmlns\s*=\s*"([^"]*)"', attrs)
    return (decl.group(1) if decl else ""), action


def authorized(xml, username, password):
    """WS-Security UsernameToken: PasswordDigest = Base64(SHA1(nonce + Created + password))."""
    header = re.search(r"<(?:[\w.-]+:)?Header\b[^>]*>([\s\S]*?)</(?:[\w.-]+:)?Header\s*>", xml)
    if not header:
        return False
    h = header.group(1)
    user, digest, nonce, created = (element_text(h, k) for k in ("Username", "Password", "Nonce", "Created"))
    if None in (user, digest, nonce, created):
        return False
    try:
        raw_nonce = base64.b64decode(nonce)
    except ValueError:
        return False
    expected = base64.b64encode(hashlib.sha1(raw_nonce + created.encode() + password.encode()).digest()).decode()
    return user == username and digest == expected


def envelope(body):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"'
        f' xmlns:tds="{NS_DEVICE}" xmlns:trt="{NS_MEDIA}" xmlns:ter="http://www.onvif.org/ver10/error">'
        f"<env:Body>{body}</env:Body></env:Envelope>"
    )


def fault_xml(f):
    sub = ""
    for code in reversed(f.subcodes):
        sub = f"<env:Subcode><env:Value>{code}</env:Value>{sub}</env:Subcode>"
    return envelope(
        f"<env:Fault><env:Code><env:Value>{f.code}</env:Value>{sub}</env:Code>"
        f'<env:Reason><env:Text xml:lang="en">{escape(f.reason)}</env:Text></env:Reason></env:Fault>'
    )


def system_date_and_time():
    t = time.gmtime()
    return (
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
        "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
        "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>"
        f"<tt:Time><tt:Hour>{t.tm_hour}</tt:Hour><tt:Minute>{t.tm_min}</tt:Minute><tt:Second>{t.tm_sec}</tt:Second></tt:Time>"
        f"<tt:Date><tt:Year>{t.tm_year}</tt:Year><tt:Month>{t.tm_mon}</tt:Month><tt:Day>{t.tm_mday}</tt:Day></tt:Date>"
        "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )


class OnvifMedia:
    """The ONVIF endpoint of one simulated camera.

    profiles: [(token, width, height, fps)] in mount order.
    force_keyframe(token) -> number of encoders told (0: the mount has no running media).
    """

    def __init__(self, host, port, profiles, force_keyframe, username=None, password=None):
        self.profiles = profiles
        self.force_keyframe = force_keyframe
        self.username, self.password = username, password
        self.lock = threading.Lock()
        self.stats = {"setSynchronizationPoint": 0, "keyframesForced": 0, "byProfile": {t: 0 for t, *_ in profiles}}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):  # quiet: stdout carries READY lines
                pass

            def do_GET(self):
                if self.path.split("?")[0] != "/stats":
                    return self.send(404, b"", "text/plain")
                with owner.lock:
                    body = json.dumps(owner.stats).encode()
                self.send(200, body, "application/json")

            def do_POST(self):
                path = self.path.split("?")[0]
                length = int(self.headers.get("Content-Length") or 0)
                if path not in (DEVICE_PATH, MEDIA_PATH):
                    return self.send(404, b"", "text/plain")
                if length > MAX_BODY:
                    return self.send(413, b"", "text/plain")
                xml = self.rfile.read(length).decode("utf-8", "replace")
                try:
                    status, body = 200, envelope(owner.handle(xml))
                except SoapFault as f:
                    status, body = f.status, fault_xml(f)
                except Exception as e:  # noqa: BLE001 - the device answers a fault, never dies
                    status, body = 500, fault_xml(SoapFault(500, "env:Receiver", ["ter:Action"], str(e)))
                self.send(status, body.encode(), "application/soap+xml; charset=utf-8")

            def send(self, status, body, ctype):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="onvif", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def handle(self, xml):
        op = operation(xml)
        if not op:
            raise SoapFault(400, "env:Sender", ["ter:WellFormed"], "Not a SOAP request")
        ns, action = op
        if ns == NS_DEVICE and action == "GetSystemDateAndTime":
            return system_date_and_time()
        if self.username is not None and not authorized(xml, self.username, self.password or ""):
            raise not_authorized()
        if ns == NS_DEVICE:
            if action == "GetServices":
                return self.services()
            if action == "GetCapabilities":
                return self.capabilities()
            if action == "GetDeviceInformation":
                return (
                    "<tds:GetDeviceInformationResponse><tds:Manufacturer>County Test</tds:Manufacturer>"
                    "<tds:Model>SimCamera</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion>"
                    "<tds:SerialNumber>SIM0001</tds:SerialNumber><tds:HardwareId>1</tds:HardwareId>"
                    "</tds:GetDeviceInformationResponse>"
                )
        elif ns == NS_MEDIA:
            if action == "GetProfiles":
                return "<trt:GetProfilesResponse>%s</trt:GetProfilesResponse>" % "".join(self.profile(p) for p in self.profiles)
            if action == "GetVideoSources":
                _, w, h, fps = self.profiles[0]
                return (
                    f'<trt:GetVideoSourcesResponse><trt:VideoSources token="{VIDEO_SOURCE_TOKEN}"><tt:Framerate>{fps}</tt:Framerate>'
                    f"<tt:Resolution><tt:Width>{w}</tt:Width><tt:Height>{h}</tt:Height></tt:Resolution>"
                    "</trt:VideoSources></trt:GetVideoSourcesResponse>"
                )
            if action == "SetSynchronizationPoint":
                return self.set_synchronization_point(element_text(xml, "ProfileToken"))
        raise not_supported()

    def set_synchronization_point(self, token):
        if token not in self.stats["byProfile"]:
            raise SoapFault(400, "env:Sender", ["ter:InvalidArgVal", "ter:NoProfile"], "The requested profile token does not exist")
        told = self.force_keyframe(token)
        with self.lock:
            self.stats["setSynchronizationPoint"] += 1
            self.stats["byProfile"][token] += 1
            self.stats["keyframesForced"] += told
        return "<trt:SetSynchronizationPointResponse/>"

    def services(self):
        def svc(ns, path):
            return (
                f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{self.base}{path}</tds:XAddr>"
                "<tds:Version><tt:Major>2</tt:Major><tt:Minor>0</tt:Minor></tds:Version></tds:Service>"
            )

        return f"<tds:GetServicesResponse>{svc(NS_DEVICE, DEVICE_PATH)}{svc(NS_MEDIA, MEDIA_PATH)}</tds:GetServicesResponse>"

    def capabilities(self):
        return (
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"<tt:Device><tt:XAddr>{self.base}{DEVICE_PATH}</tt:XAddr></tt:Device>"
            f"<tt:Media><tt:XAddr>{self.base}{MEDIA_PATH}</tt:XAddr><tt:StreamingCapabilities>"
            "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
            "</tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>"
        )

    @staticmethod
    def profile(p):
        token, w, h, fps = p
        t = escape(token, {'"': "&quot;"})
        return (
            f'<trt:Profiles token="{t}" fixed="true"><tt:Name>{t}</tt:Name>'
            f'<tt:VideoSourceConfiguration token="video_source_config_1"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>{1}</tt:UseCount>'
            f'<tt:SourceToken>{VIDEO_SOURCE_TOKEN}</tt:SourceToken><tt:Bounds x="0" y="0" width="{w}" height="{h}"/></tt:VideoSourceConfiguration>'
            f'<tt:VideoEncoderConfiguration token="video_encoder_config_{t}"><tt:Name>VideoEncoderConfig</tt:Name><tt:UseCount>1</tt:UseCount>'
            f"<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>{w}</tt:Width><tt:Height>{h}</tt:Height></tt:Resolution>"
            f"<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>{fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>"
            "<tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl><tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>"
            "</trt:Profiles>"
        )
