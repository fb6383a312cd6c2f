#!/usr/bin/python3
"""A real RTSP camera for the demo and the tests: GStreamer's RTSP server (from Debian)
serving a moving test pattern with the wall-clock time and a running frame time burned in.

    /usr/bin/python3 sim-cameras/rtsp_camera.py --port 8554 --mount /demo
    /usr/bin/python3 sim-cameras/rtsp_camera.py --mount /a=h264-1080p+aac --mount /b=h265+pcma

Each mount behaves like one kind of real camera (see VIDEO_PROFILES / AUDIO_PROFILES).

Prints "READY <port>" on stdout once it accepts connections. Binds 127.0.0.1 unless --host.
Runs until SIGTERM/SIGINT.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


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


def pipeline(spec, width, height, fps, gop, bitrate_kbps, profile, cbr=False, pattern="ball"):
    """spec: "h264", "h265+aac", "h264-1080p+pcma", ... (video profile, optional +audio)."""
    video, _, audio = spec.partition("+")
    if video == "timecode":
        w, h = TIMECODE_SIZE
        return (
            f"( appsrc name=timecode is-live=true do-timestamp=true format=time "
            f"caps=video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 "
            f"! x264enc tune=zerolatency threads=1 speed-preset=ultrafast key-int-max={gop} bitrate={bitrate_kbps} "
            f"! rtph264pay name=pay0 pt=96 config-interval=-1 )"
        )
    enc, size, gop_s = VIDEO_PROFILES[video]
    if size:
        width, height = (int(x) for x in size.split("x"))
    if gop_s:
        gop = gop_s * fps
    parts = [
        f"videotestsrc is-live=true pattern={pattern} motion=wavy background-color=0xff203040 "
        f"! video/x-raw,width={width},height={height},framerate={fps}/1 "
        f"! clockoverlay time-format=\"%H:%M:%S\" halignment=left valignment=top font-desc=\"Sans 24\" "
        f"! timeoverlay halignment=right valignment=bottom font-desc=\"Sans 20\" "
        f"! videoconvert ! video/x-raw,format=I420 "
        f"! " + enc.format(gop=gop, kbps=bitrate_kbps, profile=profile)
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
    args = ap.parse_args()
    width, height = (int(x) for x in args.size.split("x"))

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for mount in args.mount or ["/demo"]:
        path, _, spec = mount.partition("=")
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(pipeline(spec or "h264", width, height, args.fps, args.gop, args.bitrate, args.profile, args.cbr, args.pattern))
        factory.set_shared(True)  # one encoder however many clients, like a real camera
        if (spec or "").startswith("timecode"):
            factory.connect("media-configure", feed_timecode, args.fps)
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on {args.host}:{args.port}", file=sys.stderr)
        sys.exit(1)

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
