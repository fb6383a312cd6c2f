#!/usr/bin/python3
"""A real RTSP camera for the demo and the tests: GStreamer's RTSP server (from Debian)
serving a moving test pattern with the wall-clock time and a running frame time burned in.

    /usr/bin/python3 sim-cameras/rtsp_camera.py --port 8554 --mount /demo
    /usr/bin/python3 sim-cameras/rtsp_camera.py --mount /a=h264-1080p+aac --mount /b=h265+pcma

Each mount behaves like one kind of real camera (see VIDEO_PROFILES / AUDIO_PROFILES).

A mount may set its own keyframe interval, test pattern and burned-in label (values
percent-encoded, so a label may hold spaces, "&" or Chinese):
    --mount '/slow=h264?gop=100'                                (frames)
    --mount '/bridge=h264?gop=15&pattern=smpte&title=%E5%8D%97%E9%97%A8 pano'
and its own size and bitrate (kbit/s), e.g. a camera's main and sub stream:
    --mount '/main=h264?size=1280x720&bitrate=2000' --mount '/sub=h264?size=640x360&bitrate=500'
The label (pango, so CJK needs a CJK font: `fc-list :lang=zh`) sits top centre.

With --onvif-port (0 picks a free port) it also serves a minimal ONVIF Device + Media service
(sim-cameras/onvif_media.py; one profile per mount, token = the mount path without "/") whose
SetSynchronizationPoint makes the mount's encoder emit a keyframe at once, as real cameras do;
`GET /stats` counts the requests. It prints "ONVIF <port>" before the READY line.

With --user/--password every mount asks for RTSP authentication (--auth digest, the
default, or basic), as real cameras do.

Prints "READY <port>" on stdout once it accepts connections. Binds 127.0.0.1 unless --host.
Runs until SIGTERM/SIGINT.
"""
import argparse
import os
import signal
import sys
import threading
import urllib.parse

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer, GstVideo  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onvif_media import OnvifMedia  # noqa: E402


# One slice per frame unless a mount asks for slices (h264-slices): GStreamer's payloader
# repeats SPS/PPS before every IDR slice (see docs/media.md).
VIDEO_PROFILES = {
    # name: (encoder + payloader, size override, gop override in seconds)
    # ultrafast turns CABAC off, so this stream is Constrained Baseline whatever --profile says.
    "h264": ("x264enc tune=zerolatency threads=1 speed-preset=ultrafast key-int-max={gop} bitrate={kbps} "
             "! video/x-h264,profile={profile} ! rtph264pay name=pay0 pt=96 config-interval=-1", None, None),
    # What many site cameras send: 1080p High, a keyframe every 4 s.
    "h264-1080p": ("x264enc tune=zerolatency sliced-threads=false speed-preset=superfast key-int-max={gop} bitrate={kbps} "
                   "! video/x-h264,profile=high ! rtph264pay name=pay0 pt=96 config-interval=-1", "1920x1080", 4),
    "h264-main": ("x264enc tune=zerolatency threads=1 speed-preset=superfast key-int-max={gop} bitrate={kbps} "
                  "! video/x-h264,profile=main ! rtph264pay name=pay0 pt=96 config-interval=-1", None, None),
    # Several slices per picture (x264's sliced threads), SPS/PPS repeated before each IDR slice
    # by the payloader: what some cameras send; the gateway must hand browsers whole pictures.
    "h264-slices": ("x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} "
                    "! video/x-h264,profile=high ! rtph264pay name=pay0 pt=96 config-interval=-1", None, None),
    # Several slices per picture, SPS/PPS only in the SDP (the payloader's default).
    "h264-slices-sdp": ("x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} "
                        "! video/x-h264,profile=high ! rtph264pay name=pay0 pt=96", None, None),
    # B-frames (no zerolatency tune): browsers cannot play these through an SFU.
    "h264-bframes": ("x264enc sliced-threads=false speed-preset=superfast bframes=2 b-adapt=false key-int-max={gop} bitrate={kbps} "
                     "! video/x-h264,profile=high ! rtph264pay name=pay0 pt=96 config-interval=-1", None, None),
    "h265": ("x265enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} "
             "! rtph265pay name=pay0 pt=96 config-interval=-1", None, None),
    "mjpeg": ("jpegenc quality=70 ! rtpjpegpay name=pay0 pt=26", None, None),
}
AUDIO_PROFILES = {
    "aac": "audio/x-raw,rate=16000,channels=1 ! voaacenc bitrate=32000 ! rtpmp4gpay name=pay1 pt=97",
    "pcma": "audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8",
    "pcmu": "audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0",
}


# "timecode": frames made here, each carrying the wall-clock time it was made as 32 black or
# white blocks (milliseconds mod 2^32), read back in the browser by bench/latency.mjs.
TIMECODE_SIZE = (640, 360)
TIMECODE_BLOCK = 20
TIMECODE_ROW = 170


def timecode_frame(background, ms):
    w, h = TIMECODE_SIZE
    frame = bytearray(background)
    for bit in range(32):
        value = 235 if (ms >> (31 - bit)) & 1 else 16
        row = bytes([value]) * TIMECODE_BLOCK
        x = bit * TIMECODE_BLOCK
        for y in range(TIMECODE_ROW, TIMECODE_ROW + TIMECODE_BLOCK):
            frame[y * w + x : y * w + x + TIMECODE_BLOCK] = row
    return bytes(frame)


# Patterns that do not move by themselves scroll sideways, so a still scene still looks live.
MOVING_PATTERNS = {"ball", "snow", "blink", "zone-plate", "chroma-zone-plate"}


def gst_quote(text):
    """A string property value for a gst-launch description."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pipeline(spec, width, height, fps, gop, bitrate_kbps, profile, cbr=False, pattern="ball", title=None):
    """spec: "h264", "h265+aac", "h264-1080p+pcma", ... (video profile, optional +audio)."""
    video, _, audio = spec.partition("+")
    if video == "timecode":
        w, h = TIMECODE_SIZE
        return (
            f"( appsrc name=timecode is-live=true do-timestamp=true format=time "
            f"caps=video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 "
            f"! x264enc name=venc tune=zerolatency threads=1 speed-preset=ultrafast key-int-max={gop} bitrate={bitrate_kbps} "
            f"! rtph264pay name=pay0 pt=96 config-interval=-1 )"
        )
    enc, size, gop_s = VIDEO_PROFILES[video]
    if size:
        width, height = (int(x) for x in size.split("x"))
    if gop_s:
        gop = gop_s * fps
    scroll = " horizontal-speed=2" if pattern not in MOVING_PATTERNS else ""
    label = (
        f"! textoverlay text={gst_quote(title)} halignment=center valignment=top shaded-background=true "
        f"font-desc=\"Sans Bold {max(12, height // 18)}\" "
    ) if title else ""
    parts = [
        f"videotestsrc is-live=true pattern={pattern}{scroll} motion=wavy background-color=0xff203040 "
        f"! video/x-raw,width={width},height={height},framerate={fps}/1 "
        f"{label}"
        f"! clockoverlay time-format=\"%H:%M:%S\" halignment=left valignment=top font-desc=\"Sans 24\" "
        f"! timeoverlay halignment=right valignment=bottom font-desc=\"Sans 20\" "
        f"! videoconvert ! video/x-raw,format=I420 "
        # The encoder is named "venc": keyframes on request find it by that name.
        f"! " + enc.replace("enc ", "enc name=venc ", 1).format(gop=gop, kbps=bitrate_kbps, profile=profile)
        # Constant bitrate: fill --bitrate even with an easy picture (capacity benchmarks).
        .replace("x264enc ", "x264enc pass=cbr " if cbr else "x264enc ")
    ]
    if audio:
        parts.append(f"audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! {AUDIO_PROFILES[audio]}")
    return "( " + " ".join(parts) + " )"


def feed_timecode(_factory, media, fps):
    """Pushes a timecoded frame every 1/fps s while the media exists."""
    import time

    appsrc = media.get_element().get_child_by_name("timecode")
    w, h = TIMECODE_SIZE
    background = bytes([60]) * (w * h) + bytes([128]) * (w * h // 2)

    def push():
        frame = timecode_frame(background, int(time.time() * 1000) & 0xFFFFFFFF)
        return appsrc.emit("push-buffer", Gst.Buffer.new_wrapped(frame)) == Gst.FlowReturn.OK

    GLib.timeout_add(int(1000 / fps), push)


class Encoders:
    """The running video encoder of each mount (a shared factory has at most one media at a
    time, but a media can be replaced), for keyframes on request from the ONVIF thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_mount = {}

    def track(self, _factory, media, mount):
        enc = media.get_element().get_by_name("venc")
        if enc is None:
            return
        with self.lock:
            self.by_mount.setdefault(mount, []).append(enc)

        def gone(_media):
            with self.lock:
                if enc in self.by_mount.get(mount, []):
                    self.by_mount[mount].remove(enc)

        media.connect("unprepared", gone)

    def force_keyframe(self, mount):
        """An upstream force-key-unit event into each encoder's src pad; how many were told."""
        with self.lock:
            encs = list(self.by_mount.get(mount, []))
        told = 0
        for enc in encs:
            event = GstVideo.video_event_new_upstream_force_key_unit(Gst.CLOCK_TIME_NONE, True, 0)
            if enc.get_static_pad("src").send_event(event):
                told += 1
        return told


def live_media(_factory, media):
    """A live camera cannot seek: answer the media's SEEKING query with "not seekable".
    GStreamer 1.22 otherwise seeks a shared media back to 0 on every PLAY (ffmpeg and the
    gateway send Range: npt=0.000-), flushing it for every client, and a second PLAY inside
    that flush aborts the whole process (rtsp-media.c gst_rtsp_media_get_rates: assertion
    failed, "no segment event on send_rtp_sink pad"); seen when two pulls of one mount
    started together."""
    def not_seekable(_pad, info):
        # Answered here, unanswered: a new SEEKING query says "not seekable" by default.
        return Gst.PadProbeReturn.HANDLED if info.get_query().type == Gst.QueryType.SEEKING else Gst.PadProbeReturn.OK

    element = media.get_element()
    for i in range(2):
        pay = element.get_by_name(f"pay{i}")
        if pay is not None:
            pay.get_static_pad("src").add_probe(Gst.PadProbeType.QUERY_UPSTREAM, not_seekable)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8554, help="0 picks a free port")
    ap.add_argument("--mount", action="append",
                    help="PATH or PATH=PROFILE, e.g. /site=h264-1080p+aac (profiles: %s; audio: %s); default /demo"
                    % (", ".join(VIDEO_PROFILES), ", ".join(AUDIO_PROFILES)))
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--gop", type=int, default=25, help="keyframe interval in frames")
    ap.add_argument("--bitrate", type=int, default=1500, help="kbit/s")
    ap.add_argument("--profile", default="high", choices=["baseline", "main", "high"])
    ap.add_argument("--cbr", action="store_true", help="constant bitrate (H.264 mounts)")
    ap.add_argument("--pattern", default="ball", help="videotestsrc pattern; 'snow' fills any bitrate")
    ap.add_argument("--onvif-port", type=int, help="serve ONVIF Device/Media here (0 picks a free port)")
    ap.add_argument("--onvif-user", help="require this WS-Security user on ONVIF requests")
    ap.add_argument("--onvif-password", default="")
    ap.add_argument("--user", help="require RTSP authentication with this user (and --password)")
    ap.add_argument("--password", default="")
    ap.add_argument("--auth", default="digest", choices=["digest", "basic"])
    ap.add_argument("--threads", type=int, default=1,
                    help="threads serving RTSP clients (GStreamer's default 1 serves every session from one; -1: one each)")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    # Hundreds of sessions (capacity benchmarks) need more than GStreamer's one client thread.
    server.get_thread_pool().set_max_threads(args.threads)
    mounts = server.get_mount_points()
    permissions = None
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "camera-user")
        if args.auth == "digest":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password, token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_role("camera-user")
        permissions.add_permission_for_role("camera-user", "media.factory.access", True)
        permissions.add_permission_for_role("camera-user", "media.factory.construct", True)
    encoders = Encoders()
    profiles = []
    mount_of = {}  # ONVIF profile token -> mount path
    for mount in args.mount or ["/demo"]:
        mount, _, options = mount.partition("?")
        path, _, spec = mount.partition("=")
        opts = {"gop": args.gop, "pattern": args.pattern, "title": None, "size": args.size, "bitrate": args.bitrate}
        for opt in filter(None, options.split("&")):
            key, _, value = opt.partition("=")
            if key not in opts:
                ap.error(f"unknown mount option {key!r} (known: {', '.join(opts)})")
            value = urllib.parse.unquote(value)
            opts[key] = int(value) if key in ("gop", "bitrate") else value
        # A camera's main and sub stream are two mounts of one process: '/main?size=1280x720', '/sub?size=640x360'.
        m_width, m_height = (int(x) for x in opts["size"].split("x"))
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(pipeline(spec or "h264", m_width, m_height, args.fps, opts["gop"], opts["bitrate"], args.profile, args.cbr,
                                    opts["pattern"], opts["title"]))
        factory.set_shared(True)  # one encoder however many clients, like a real camera
        if permissions:
            factory.set_permissions(permissions)
        if (spec or "").startswith("timecode"):
            factory.connect("media-configure", feed_timecode, args.fps)
        factory.connect("media-configure", encoders.track, path)
        factory.connect("media-configure", live_media)
        mounts.add_factory(path, factory)
        token = path.strip("/").replace("/", "_") or "main"
        mount_of[token] = path
        profiles.append((token, m_width, m_height, args.fps))
    if server.attach(None) == 0:
        print(f"cannot listen on {args.host}:{args.port}", file=sys.stderr)
        sys.exit(1)

    onvif = None
    if args.onvif_port is not None:
        onvif = OnvifMedia(args.host, args.onvif_port, profiles, lambda token: encoders.force_keyframe(mount_of[token]),
                           args.onvif_user, args.onvif_password)
        onvif.start()
        print(f"ONVIF {onvif.port}", flush=True)

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    if onvif:
        onvif.stop()


if __name__ == "__main__":
    main()
