#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine that reaches only the npm registry and Debian's
# mirrors. Idempotent: each step checks before it works, and says what it does and how long
# it took.   bash scripts/setup.sh          what `npm start` needs
#            bash scripts/setup.sh --test   plus Chromium, Redis and docker-compose for tests
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime: ffmpeg (gateway), GStreamer RTSP server (demo camera), worker build deps, Redis (state).
APT_RUNTIME=(ffmpeg g++ make meson ninja-build pkg-config libssl-dev libuv1-dev libsrtp2-dev
  libusrsctp-dev libabsl-dev nlohmann-json3-dev python3-gi python3-gst-1.0
  gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav
  gstreamer1.0-x redis-server fonts-noto-cjk)
# Tests: a real browser, NSS tools (trusting the county CA), compose-file validation, CJK fonts for screenshots.
APT_TEST=(chromium docker-compose fonts-noto-cjk procps libnss3-tools)

WANT=("${APT_RUNTIME[@]}")
[[ "${1:-}" == "--test" ]] && WANT+=("${APT_TEST[@]}")

step_start=0
step_name=""
since() { awk -v now="$(date +%s.%N)" -v t0="$1" 'BEGIN { printf "%.1f", now - t0 }'; }
step() { step_start=$(date +%s.%N); step_name=$1; echo "[setup] $1 ..."; }
done_step() { echo "[setup] $step_name: ${1:-done} ($(since "$step_start")s)"; }
total_start=$(date +%s.%N)

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

step "Debian packages (${#WANT[@]})"
missing=()
for p in "${WANT[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[setup] installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  done_step "installed"
else
  done_step "all present"
fi

step "npm ci"
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.county-video-lock
if [[ -f $stamp && "$(cat $stamp)" == "$lock_hash" ]]; then
  done_step "up to date"
else
  # MEDIASOUP_WORKER_BIN makes mediasoup's postinstall skip its Internet download and
  # wrap-based build; scripts/mediasoup-worker.mjs provides the worker next.
  MEDIASOUP_WORKER_BIN=/nonexistent npm ci --no-audit --no-fund
  echo "$lock_hash" > $stamp
  done_step "installed"
fi

step "mediasoup worker"
node scripts/mediasoup-worker.mjs
done_step "ready"

step "TypeScript build (shared, sfu-server, camera-gateway)"
npx --no-install tsc -b tsconfig.json
done_step

step "control-ui build"
ui_index=control-ui/dist/index.html
if [[ -f $ui_index ]] && [[ -z "$(find control-ui/src control-ui/index.html control-ui/vite.config.ts shared/src package-lock.json -newer $ui_index -print -quit)" ]]; then
  done_step "up to date"
else
  npm run --silent build -w control-ui >/dev/null
  done_step "built"
fi

printf '[setup] ready in %ss\n' "$(since "$total_start")"
