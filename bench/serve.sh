#!/usr/bin/env bash
# The health daemon under load (see bench/README.md, "serve"): wrk at a fixed request rate against
# `flightcheck serve` (/system/health/v1 and /metrics) and, in the same run and under the same
# load, prometheus-node-exporter's /metrics. Prints p99 latency and peak RSS of each server.
# Targets: p99 under 2 ms, peak RSS under 15 MB, and below node_exporter on both.
#
# Usage: bench/serve.sh                  builds build-bench/ (Release) and uses it
#        FLIGHTCHECK=/path/to/flightcheck bench/serve.sh
# Environment: DURATION (default 30s), RATE (requests/s, default 2000), CONNECTIONS (default 20).
# Needs wrk and prometheus-node-exporter (scripts/setup.sh installs them). Touches nothing outside
# its temp dir and 127.0.0.1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
DURATION=${DURATION:-30s}
RATE=${RATE:-2000}
CONNECTIONS=${CONNECTIONS:-20}

die() { echo "bench: error: $*" >&2; exit 1; }
for tool in wrk prometheus-node-exporter curl awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (scripts/setup.sh installs it)"
done

. "$HERE/build.sh"

TMP=$(mktemp -d /tmp/fcserve-XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT

# A health rule set of the size of the built-in one (12 rules), on probes that need no service.
{
  echo "apiVersion: flightcheck/v1"
  echo "kind: RuleSet"
  echo "phase: health"
  echo "rules:"
  for i in $(seq -w 1 12); do
    echo "  - id: bench.rule$i"
    echo "    probe: {file: {path: /etc/hostname}}"
    echo "    expect: {exists: true}"
  done
} >"$TMP/health.yaml"

# Ports: serve takes any free one and logs it; node_exporter cannot, so the first free one from a
# random start is taken (a port that accepts a connection is in use).
free_port() {
  local port
  for port in $(seq $((20000 + RANDOM % 20000)) 65000); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  die "no free port"
}
"$FLIGHTCHECK" serve --role master --listen 127.0.0.1:0 --rules "$TMP/health.yaml" \
  --interval 5s >"$TMP/serve.log" 2>&1 &
PIDS+=($!)
SERVE_PID=$!
SERVE_PORT=
for _ in $(seq 1 100); do
  SERVE_PORT=$(sed -n 's/.*serving on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$TMP/serve.log")
  [[ -n $SERVE_PORT ]] && break
  sleep 0.1
done
[[ -n $SERVE_PORT ]] || die "flightcheck serve did not start: $(cat "$TMP/serve.log")"
EXPORTER_PORT=$(free_port)
prometheus-node-exporter --web.listen-address=127.0.0.1:$EXPORTER_PORT >"$TMP/exporter.log" 2>&1 &
PIDS+=($!)
EXPORTER_PID=$!
for url in "http://127.0.0.1:$SERVE_PORT/healthz" "http://127.0.0.1:$EXPORTER_PORT/metrics"; do
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$url" && break
    sleep 0.1
  done
  curl -s -o /dev/null "$url" || die "$url does not answer"
done
sleep 1  # a health run has finished

# wrk (not wrk2) has no rate option: each connection pauses between requests so that CONNECTIONS
# connections together send about RATE requests/s. The pause is not part of the latency wrk reports.
DELAY_MS=$(awk -v c="$CONNECTIONS" -v r="$RATE" 'BEGIN {printf "%d", c * 1000 / r}')
cat >"$TMP/rate.lua" <<LUA
function delay() return $DELAY_MS end
LUA

peak_rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

run() {  # name url pid
  local name=$1 url=$2 pid=$3
  local out="$TMP/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_').wrk"
  wrk -t 2 -c "$CONNECTIONS" -d "$DURATION" --latency -s "$TMP/rate.lua" "$url" >"$out"
  local p99 rps errors
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$out" | paste -sd' ' -)
  printf '%-44s %8s req/s  p99 %8s  peak RSS %6.1f MB %s\n' "$name" "$rps" "$p99" \
    "$(awk -v k="$(peak_rss_kib "$pid")" 'BEGIN {print k / 1024}')" "${errors:+($errors)}"
  echo "$name $p99 $(peak_rss_kib "$pid")" >>"$TMP/results"
}

echo "== wrk -t 2 -c $CONNECTIONS -d $DURATION at ~$RATE requests/s (pause ${DELAY_MS} ms per connection)"
run "flightcheck serve /system/health/v1" "http://127.0.0.1:$SERVE_PORT/system/health/v1" "$SERVE_PID"
run "flightcheck serve /metrics" "http://127.0.0.1:$SERVE_PORT/metrics" "$SERVE_PID"
run "node_exporter /metrics" "http://127.0.0.1:$EXPORTER_PORT/metrics" "$EXPORTER_PID"

# p99 in ms from wrk's units (us, ms, s).
to_ms() { awk -v v="$1" 'BEGIN {
  if (v ~ /us$/) {sub(/us$/, "", v); print v / 1000} else if (v ~ /ms$/) {sub(/ms$/, "", v); print v}
  else {sub(/s$/, "", v); print v * 1000}}'; }
verdict() { if [[ $1 == 1 ]]; then echo "MET"; else echo "MISSED"; fi; }
serve_p99_health=$(awk '/^flightcheck serve \/system/ {print $4}' "$TMP/results")
serve_p99_metrics=$(awk '/^flightcheck serve \/metrics/ {print $4}' "$TMP/results")
exporter_p99=$(awk '/^node_exporter/ {print $3}' "$TMP/results")
serve_rss=$(peak_rss_kib "$SERVE_PID")
exporter_rss=$(peak_rss_kib "$EXPORTER_PID")
worst_ms=$(awk -v a="$(to_ms "$serve_p99_health")" -v b="$(to_ms "$serve_p99_metrics")" \
  'BEGIN {print (a > b) ? a : b}')
exporter_ms=$(to_ms "$exporter_p99")
echo
echo "== summary ($(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo))"
echo "p99: flightcheck $worst_ms ms (worst of its two routes), node_exporter $exporter_ms ms:" \
     "under 2 ms $(verdict "$(awk -v w="$worst_ms" 'BEGIN {print (w < 2) ? 1 : 0}')")," \
     "below node_exporter $(verdict "$(awk -v w="$worst_ms" -v e="$exporter_ms" 'BEGIN {print (w < e) ? 1 : 0}')")"
echo "peak RSS: flightcheck $(awk -v k="$serve_rss" 'BEGIN {printf "%.1f", k / 1024}') MB," \
     "node_exporter $(awk -v k="$exporter_rss" 'BEGIN {printf "%.1f", k / 1024}') MB:" \
     "under 15 MB $(verdict "$(awk -v k="$serve_rss" 'BEGIN {print (k < 15 * 1024) ? 1 : 0}')")," \
     "below node_exporter $(verdict "$(awk -v k="$serve_rss" -v e="$exporter_rss" 'BEGIN {print (k < e) ? 1 : 0}')")"
