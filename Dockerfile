# County video command center: one Dockerfile, one image per service via build targets.
#
#   docker build --target sfu-server     -t county-video/sfu-server .
#   docker build --target camera-gateway -t county-video/camera-gateway .
#   docker build --target demo-camera    -t county-video/demo-camera .
#
# (docker-compose.yml builds all three.) With BuildKit (DOCKER_BUILDKIT=1) only the stages a
# target needs are built; the classic builder runs every stage above the target, so the cheap,
# independent demo-camera stage comes first.

# ---------------------------------------------------------------------------------------------
# demo-camera: GStreamer's RTSP server from Debian serving a test pattern (sim-cameras/).
# Needs no Node.js, so it starts from plain Debian rather than the node image.
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS demo-camera
# python3-gi + python3-gst-1.0 + gir1.2-gst-rtsp-server-1.0: the GObject bindings and Gst
# overrides rtsp_camera.py imports (the same set scripts/setup.sh installs on a host);
# plugins-base (videotestsrc), -x (clockoverlay/timeoverlay via pango; pulls a font through
# fontconfig), -ugly (x264enc), -good (rtph264pay), gstreamer1.0-rtsp (RTSP plugins), -bad (x265enc, voaacenc), -libav.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-gi python3-gst-1.0 gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp \
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-x \
      gstreamer1.0-plugins-bad gstreamer1.0-libav \
 && rm -rf /var/lib/apt/lists/*
# An unprivileged user with a home, so GStreamer can write its plugin registry cache.
RUN useradd --create-home --uid 10001 camera
WORKDIR /app
COPY sim-cameras/ sim-cameras/
USER camera
EXPOSE 8554
CMD ["/usr/bin/python3", "sim-cameras/rtsp_camera.py", "--host", "0.0.0.0", "--port", "8554", "--mount", "/demo=h264+aac", "--mount", "/site=h265+pcma"]

# ---------------------------------------------------------------------------------------------
# build: install all npm dependencies, build the mediasoup worker offline, compile everything.
# ---------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
# Toolchain and Debian -dev libraries that scripts/mediasoup-worker.mjs builds the worker
# against (it swaps mediasoup's Internet-fetched meson wraps for these system libraries).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ meson ninja-build pkg-config libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev \
      libabsl-dev nlohmann-json3-dev python3 make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Manifests first so the dependency layers stay cached while only sources change.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY sfu-server/package.json sfu-server/
COPY camera-gateway/package.json camera-gateway/
COPY control-ui/package.json control-ui/
# MEDIASOUP_WORKER_BIN=/nonexistent: mediasoup's postinstall skips its own worker download/build
# (we build it below). FFMPEG_BIN=/bin/true: ffmpeg-static's postinstall sees an existing file
# and skips its large GitHub download, so the gateway uses Debian's ffmpeg. Both only for this
# command; neither variable exists at run time.
RUN MEDIASOUP_WORKER_BIN=/nonexistent FFMPEG_BIN=/bin/true npm ci

# The worker build (minutes) depends only on the mediasoup package and this script, so it runs
# before the rest of the sources are copied: editing app code does not rebuild the worker.
COPY scripts/mediasoup-worker.mjs scripts/
RUN MEDIASOUP_SKIP_PREBUILT_DOWNLOAD=1 node scripts/mediasoup-worker.mjs

COPY . .
RUN npm run build

# ---------------------------------------------------------------------------------------------
# deps: node_modules for run time (dev dependencies such as typescript, vite, jest removed).
# ---------------------------------------------------------------------------------------------
FROM build AS deps
# --ignore-scripts: nothing is installed here, and no postinstall may try a download.
RUN npm prune --omit=dev --ignore-scripts

# ---------------------------------------------------------------------------------------------
# app-base: what both Node services run on: production node_modules and the shared package.
# ---------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS app-base
WORKDIR /app
COPY --from=deps /app/node_modules node_modules/
COPY --from=build /app/package.json ./
COPY --from=build /app/shared/package.json shared/
COPY --from=build /app/shared/dist shared/dist/

# ---------------------------------------------------------------------------------------------
# sfu-server: mediasoup SFU + HTTP API + the built control UI.
# ---------------------------------------------------------------------------------------------
FROM app-base AS sfu-server
# Runtime shared libraries of the dynamically linked mediasoup-worker (per its ELF NEEDED list;
# libsrtp2-1 pulls libnss3/libnspr4, which it is built with; libstdc++6 comes with the image),
# and ffmpeg for snapshots, HLS and recording.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libuv1 libsrtp2-1 libusrsctp2 libabsl20220623 ffmpeg \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/sfu-server/package.json sfu-server/
COPY --from=build /app/sfu-server/dist sfu-server/dist/
COPY --from=build /app/control-ui/dist control-ui/dist/
COPY config/ config/
# Fail the image build, not the first start, if a worker library is missing: run without
# MEDIASOUP_VERSION the worker exits with 41 (mediasoup's own check); a missing .so gives 127.
RUN node_modules/mediasoup/worker/out/Release/mediasoup-worker >/dev/null 2>&1; test $? -eq 41
RUN mkdir -p /app/recordings /app/data && chown node /app/recordings /app/data
# On a LAN address the server serves HTTPS with a county CA it generates in DATA_DIR/tls
# (or TLS_CERT/TLS_KEY); REDIS_URL must name the county's Redis.
ENV HOST=0.0.0.0 \
    PORT=8443 \
    DATA_DIR=/app/data \
    UI_DIST=/app/control-ui/dist \
    RECORDINGS_DIR=/app/recordings
USER node
EXPOSE 8443
CMD ["node", "sfu-server/dist/main.js"]

# ---------------------------------------------------------------------------------------------
# camera-gateway: pulls RTSP cameras with Debian's ffmpeg and restreams RTP into the SFU.
# ---------------------------------------------------------------------------------------------
FROM app-base AS camera-gateway
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/camera-gateway/package.json camera-gateway/
COPY --from=build /app/camera-gateway/dist camera-gateway/dist/
USER node
CMD ["node", "camera-gateway/dist/main.js"]
