#!/usr/bin/env bash
# Installs every Debian 12 package mdbus needs to build, test, benchmark and demo.
# Idempotent: packages already present are left alone; safe to run on every build.
set -euo pipefail

PKGS=(
  build-essential meson ninja-build pkg-config clang clang-format clang-tidy
  libclang-rt-14-dev
  liburing-dev libssl-dev openssl ca-certificates libwslay-dev libinih-dev
  libjansson-dev libncurses-dev zlib1g-dev libc-ares-dev
  protobuf-c-compiler libprotobuf-c-dev
  libzmq3-dev iceoryx libiceoryx-binding-c-dev libiceoryx-posh-dev
  libiceoryx-hoofs-dev
  # feedd as a service: sd_notify, and systemd-analyze for the unit's test
  libsystemd-dev systemd
  gnuplot-nox tmux valgrind python3 python3-websockets procps iproute2 util-linux
  python3-dev python3-numpy python3-mesonpy python3-pytest python3-pip  # import mdbus (python/)
  libmicrohttpd-dev prometheus  # mdbus-exporter; prometheus (server and promtool) for its tests
  scdoc man-db  # the man pages (docs/man) and their test's rendering check
  strace  # scripts/uring-bench.py --strace: system calls per message
  linux-perf  # mdbus-bench scale --loop-trace: feedd's loop iterations from tracepoints;
              # scripts/bench-wake.sh: syscall counts per feedd loop iteration
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian.sh: need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup-debian.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
