#!/usr/bin/python3
"""A real RTSP camera for the demo and the tests: GStreamer's RTSP server (from Debian)
serving a moving test pattern with the wall-clock time and a running frame time burned in.

    /usr/bin/python3 sim-cameras/rtsp_camera.py --port 8554 --mount /demo

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


def pipeline(width, height, fps, gop, bitrate_kbps, profile):
    # tune=zerolatency: no B-frames and no lookahead, like most IP cameras' low-delay mode.
    return (
        f"( videotestsrc is-live=true pattern=ball motion=wavy background-color=0xff203040 "
        f"! video/x-raw,width={width},height={height},framerate={fps}/1 "
        f"! clockoverlay time-format=\"%H:%M:%S\" halignment=left valignment=top font-desc=\"Sans 24\" "
        f"! timeoverlay halignment=right valignment=bottom font-desc=\"Sans 20\" "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={bitrate_kbps} "
        f"! video/x-h264,profile={profile} "
        f"! rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8554, help="0 picks a free port")
    ap.add_argument("--mount", action="append", help="mount path(s), default /demo")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--gop", type=int, default=25, help="keyframe interval in frames")
    ap.add_argument("--bitrate", type=int, default=1500, help="kbit/s")
    ap.add_argument("--profile", default="high", choices=["baseline", "main", "high"])
    args = ap.parse_args()
    width, height = (int(x) for x in args.size.split("x"))

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for mount in args.mount or ["/demo"]:
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(pipeline(width, height, args.fps, args.gop, args.bitrate, args.profile))
        factory.set_shared(True)  # one encoder however many clients, like a real camera
        mounts.add_factory(mount, factory)
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
