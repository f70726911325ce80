#!/usr/bin/env bash
# Installs the Debian packages flightcheck needs to build, test and benchmark.
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git
  # libraries (DESIGN.md: Debian packages only)
  libboost-dev libsystemd-dev nlohmann-json3-dev libyaml-dev libspdlog-dev libfmt-dev
  libcli11-dev libgtest-dev libgmock-dev libc-ares-dev libcurl4-openssl-dev libssl-dev
  libarchive-dev libcrypt-dev libre2-dev libcpp-httplib-dev
  # fuzzing: libFuzzer through clang, run for a bounded time by test.sh
  clang libclang-rt-14-dev libfuzzer-14-dev
  # the real services the integration tests and benchmarks run (TESTBED.md)
  docker.io zookeeper dnsmasq openssh-server openssh-client sudo netcat-openbsd iproute2 util-linux
  procps
  # systemd user manager and systemd-journald in a mount namespace (TESTBED.md; PID 1 need not be
  # systemd)
  systemd
  # benchmarks: hyperfine times; dig and adjtimex let the shell baseline check DNS and the clock
  hyperfine bind9-dnsutils adjtimex pssh jq time
  # the health daemon's consumers and peers: promtool and a real Prometheus scrape /metrics, wrk
  # loads it, node_exporter is the peer the benchmark compares it with
  prometheus prometheus-node-exporter wrk
  # the readers the archive tests check archives with (GNU tar reads .tar.zst through zstd)
  unzip zstd
  # journals of a chosen size for the journal tests and the bundle benchmark, and that
  # benchmark's peer (sos report)
  systemd-journal-remote sosreport
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
