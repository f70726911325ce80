#!/usr/bin/env bash
# flightcheck benchmark (see bench/README.md). In one run:
#   (a) `flightcheck check` with the full built-in preflight (--role master) against a real dockerd,
#   (b) the same checks the shell way (bench/shell_preflight.sh, in the style of DC/OS's
#       dcos_install.sh), median of RUNS runs each with hyperfine, and the ratio b/a (target >= 5);
#   (c) 1,000 trivial rules (a `file` probe each, on a fixture root) against 1 rule of the same kind,
#       to separate process start from the engine's own overhead (target < 30 ms per 1,000 rules).
#
# Usage: bench/run.sh                 builds build-bench/ (Release, one job) and uses it
#        FLIGHTCHECK=/path/to/flightcheck bench/run.sh
# Environment: RUNS (default 20, at least 20), WARMUP (default 3), JOBS (ninja jobs, default 1),
#              ROUNDS, ROUND_RUNS (the paired overhead rounds of (c): default 5 rounds of 15 runs),
#              DOCKER (docker client for the shell baseline; default /usr/bin/docker or `docker`).
# Needs root (dockerd), dockerd (docker.io), dnsmasq, hyperfine, curl; the shell baseline uses
# dig (bind9-dnsutils) and adjtimex (adjtimex) when installed and says which it used.
#
# Touches nothing outside its temp dir and 127.0.0.0/8: dockerd listens on a unix socket in the
# temp dir (no bridge, no iptables), dnsmasq on 127.77.0.53:10053 answers the DNS check for both
# sides, and the DNS check asks only that resolver. Exit status: non-zero when something fails to
# run; a missed target only prints MISSED.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-5}
ROUND_RUNS=${ROUND_RUNS:-15}
WARMUP=${WARMUP:-3}
JOBS=${JOBS:-1}
RESOLVER_ADDRESS=127.77.0.53
RESOLVER_PORT=10053
DNS_NAME=master.bench.flightcheck.test

die() { echo "bench: error: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (it starts dockerd)"
[[ $RUNS -ge 20 ]] || die "RUNS must be at least 20"
for tool in hyperfine dockerd dnsmasq curl awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (scripts/setup.sh installs it)"
done

# --- the binary -------------------------------------------------------------------------------
if [[ -z ${FLIGHTCHECK:-} ]]; then
  echo "== building flightcheck (Release) in $REPO/build-bench with $JOBS job(s)"
  cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DFLIGHTCHECK_TESTS=OFF >/dev/null
  ninja -C "$REPO/build-bench" -j "$JOBS" flightcheck >/dev/null
  FLIGHTCHECK=$(find "$REPO/build-bench" -name flightcheck -type f -perm -u+x | head -n 1)
fi
[[ -x ${FLIGHTCHECK:-} ]] || die "no flightcheck binary (FLIGHTCHECK=${FLIGHTCHECK:-})"
FLIGHTCHECK=$(cd "$(dirname "$FLIGHTCHECK")" && pwd)/$(basename "$FLIGHTCHECK")

# --- temp dir, cleanup ------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/fcbench-XXXXXX)
DOCKERD_PID=""
DNSMASQ_PID=""
stop_pid() {  # pid name
  local pid=$1 name=$2
  [[ -n $pid ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "bench: $name ($pid) did not stop in 10 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  stop_pid "$DNSMASQ_PID" dnsmasq
  stop_pid "$DOCKERD_PID" dockerd
  wait 2>/dev/null || true
  # dockerd unmounts its overlay and netns mounts when it stops; remove any it left under TMP.
  if [[ -d $TMP ]]; then
    awk -v t="$TMP/" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- a real dockerd (overlay2) in the temp dir --------------------------------------------------
D=$TMP/docker
SOCK=$D/docker.sock
mkdir -p "$D"
echo '{}' >"$D/daemon.json"  # /etc/docker/daemon.json could name another storage driver
dockerd --config-file "$D/daemon.json" --data-root "$D/data" --exec-root "$D/exec" \
        --pidfile "$D/docker.pid" -H "unix://$SOCK" --iptables=false --ip-forward=false \
        --bridge=none --storage-driver=overlay2 >"$D/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 300); do
  curl -sf --unix-socket "$SOCK" http://docker/_ping >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -n 20 "$D/dockerd.log" >&2; die "dockerd exited"; }
  sleep 0.1
done
curl -sf --unix-socket "$SOCK" http://docker/_ping >/dev/null ||
  { tail -n 20 "$D/dockerd.log" >&2; die "dockerd did not answer within 30 s"; }
DOCKER_INFO=$(curl -sf --unix-socket "$SOCK" http://docker/info)
[[ $DOCKER_INFO == *'"Driver":"overlay2"'* ]] || die "dockerd does not run overlay2: $DOCKER_INFO"
DOCKER_VERSION=$(curl -sf --unix-socket "$SOCK" http://docker/version |
                 sed -n 's/.*"Version":"\([^"]*\)".*"ApiVersion".*/\1/p' | head -n 1)

# --- a real resolver on loopback, for the DNS check of both sides --------------------------------
echo "127.0.0.1 $DNS_NAME" >"$TMP/hosts"
dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --addn-hosts="$TMP/hosts" \
        --listen-address=$RESOLVER_ADDRESS --port=$RESOLVER_PORT --bind-interfaces \
        --pid-file="$TMP/dnsmasq.pid" --user=root >"$TMP/dnsmasq.log" 2>&1 &
DNSMASQ_PID=$!
sleep 0.3
kill -0 "$DNSMASQ_PID" 2>/dev/null || { cat "$TMP/dnsmasq.log" >&2; die "dnsmasq did not start"; }

# --- what each side runs --------------------------------------------------------------------------
FC_ARGS=(check --docker-socket "$SOCK" --role master --format json --deadline 0
         --var "resolvers=$RESOLVER_ADDRESS:$RESOLVER_PORT" --var "dns_check_name=$DNS_NAME")
SHELL_ARGS=("$HERE/shell_preflight.sh" "$SOCK" "$DNS_NAME" "$RESOLVER_ADDRESS:$RESOLVER_PORT")

# One run of each first, checked: the benchmark is worthless if either side did not really run.
echo "== one checked run of each side"
set +e
"$FLIGHTCHECK" "${FC_ARGS[@]}" >"$TMP/fc.json" 2>"$TMP/fc.err"
FC_RC=$?
bash "${SHELL_ARGS[@]}" >"$TMP/shell.txt" 2>"$TMP/shell.err"
SH_RC=$?
set -e
[[ $FC_RC -le 3 ]] || { cat "$TMP/fc.err" >&2; die "flightcheck check exited with $FC_RC"; }
[[ $SH_RC -lt 64 ]] || { cat "$TMP/shell.err" >&2; die "shell_preflight.sh exited with $SH_RC"; }
if command -v jq >/dev/null 2>&1; then
  jq -e . "$TMP/fc.json" >/dev/null || die "flightcheck did not print JSON"
  echo "flightcheck (exit $FC_RC): rule, status, duration (ms), slowest first:"
  jq -r '.. | objects | select(has("id") and has("status") and has("duration_seconds"))
         | [.id, .status, (.duration_seconds * 1000 * 100 | round / 100)] | @tsv' "$TMP/fc.json" |
    sort -t$'\t' -k3,3 -g -r | awk -F'\t' '{printf "  %-26s %-5s %8.2f\n", $1, $2, $3}'
  status_of() { jq -r --arg id "$1" '.. | objects | select(.id? == $id) | .status' "$TMP/fc.json"; }
  for id in docker.running docker.version docker.storage-driver dns.resolvers-answer; do
    [[ $(status_of "$id") == pass ]] || die "flightcheck: $id is $(status_of "$id"), not pass"
  done
else
  grep -q '"docker.running"' "$TMP/fc.json" || die "flightcheck did not print the preflight report"
  echo "flightcheck (exit $FC_RC); install jq for the per-rule breakdown"
fi
echo "shell_preflight.sh (exit $SH_RC): $(grep -c -E '^(PASS|FAIL|WARN)|: (PASS|FAIL|WARN)' "$TMP/shell.txt") checks;" \
     "failed or warned:"
grep -E 'FAIL|WARN' "$TMP/shell.txt" | sed 's/^/  /' || true
for line in "Checking if Docker is running: PASS" "Checking docker version requirement (>= 1.13.1): PASS" \
            "storage driver: PASS (overlay2)" "for $DNS_NAME: PASS"; do
  grep -qF "$line" "$TMP/shell.txt" || die "shell_preflight.sh did not print '$line'"
done

# median (seconds) of command N (1-based) in a hyperfine CSV export (no commas in command names).
median_of() {
  awk -F, -v n="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "median") c = i}
                     NR == n + 1 {print $c}' "$1"
}
ms() { awk -v s="$1" 'BEGIN {printf "%.2f", s * 1000}'; }

# --- (a) + (b) ----------------------------------------------------------------------------------
echo
echo "== (a) flightcheck vs (b) shell: hyperfine --warmup $WARMUP --runs $RUNS"
# -N: no intermediate shell for either side; stdout and stderr go to /dev/null (hyperfine's default).
# -i: both exit non-zero when a check fails on this host (clock, resources...), which is a result.
hyperfine -N -i --warmup "$WARMUP" --runs "$RUNS" --style basic \
  --export-json "$TMP/preflight.json" --export-csv "$TMP/preflight.csv" \
  -n "flightcheck check (built-in preflight; master)" "$(printf '%q ' "$FLIGHTCHECK" "${FC_ARGS[@]}")" \
  -n "shell_preflight.sh (DC/OS style)" "$(printf '%q ' bash "${SHELL_ARGS[@]}")" \
  -n "shell_preflight.sh --ports-once (not DC/OS: /proc/net read once)" \
     "$(printf '%q ' bash "${SHELL_ARGS[0]}" --ports-once "${SHELL_ARGS[@]:1}")"
A=$(median_of "$TMP/preflight.csv" 1)
B=$(median_of "$TMP/preflight.csv" 2)
B_ONCE=$(median_of "$TMP/preflight.csv" 3)

# --- (c) 1,000 trivial rules ------------------------------------------------------------------------
# Every rule stats a different file: the probe cache keys on (probe, params), so distinct paths make
# the engine do 1,000 probe runs, the honest overhead. The same-path file is shown for comparison.
FIX=$TMP/fixture
mkdir -p "$FIX/etc/bench"
for i in $(seq -w 0 999); do : >"$FIX/etc/bench/f$i"; done
write_rules() {  # file count distinct
  {
    echo "apiVersion: flightcheck/v1"
    echo "kind: RuleSet"
    echo "phase: preflight"
    echo "rules:"
    local i
    for i in $(seq -w 0 999 | head -n "$2"); do
      local path=/etc/bench/f$i
      [[ $3 == distinct ]] || path=/etc/bench/f000
      echo "  - id: trivial.r$i"
      echo "    probe: {file: {path: $path}}"
      echo "    expect: {exists: true}"
    done
  } >"$1"
}
write_rules "$TMP/thousand.yaml" 1000 distinct
write_rules "$TMP/thousand-same.yaml" 1000 same
write_rules "$TMP/one.yaml" 1 distinct
for f in one thousand thousand-same; do
  set +e
  "$FLIGHTCHECK" check --rules "$TMP/$f.yaml" --root "$FIX" --format json >"$TMP/$f.out" 2>&1
  rc=$?
  set -e
  [[ $rc -eq 0 ]] || { head -n 20 "$TMP/$f.out" >&2; die "$f.yaml: flightcheck exited with $rc"; }
done
echo
echo "== (c) 1,000 trivial rules (file probe on a fixture root): hyperfine --warmup $WARMUP --runs $RUNS"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic \
  --export-json "$TMP/thousand.json" --export-csv "$TMP/thousand.csv" \
  -n "1 rule" "$FLIGHTCHECK check --rules $TMP/one.yaml --root $FIX --format json" \
  -n "1000 rules; distinct paths" "$FLIGHTCHECK check --rules $TMP/thousand.yaml --root $FIX --format json" \
  -n "1000 rules; same path" "$FLIGHTCHECK check --rules $TMP/thousand-same.yaml --root $FIX --format json" \
  -n "1000 rules; distinct paths; --format tap" "$FLIGHTCHECK check --rules $TMP/thousand.yaml --root $FIX --format tap" \
  -n "rules validate: 1 rule" "$FLIGHTCHECK rules validate $TMP/one.yaml" \
  -n "rules validate: 1000 rules" "$FLIGHTCHECK rules validate $TMP/thousand.yaml"
ONE=$(median_of "$TMP/thousand.csv" 1)
THOUSAND=$(median_of "$TMP/thousand.csv" 2)
SAME=$(median_of "$TMP/thousand.csv" 3)
TAP=$(median_of "$TMP/thousand.csv" 4)
VALIDATE_ONE=$(median_of "$TMP/thousand.csv" 5)
VALIDATE_THOUSAND=$(median_of "$TMP/thousand.csv" 6)
# The report's own duration_seconds: scheduling, probes and matching only (no load, no render).
RUN_PHASE=$(sed -n 's/^  "duration_seconds": \([0-9.e-]*\),*$/\1/p' "$TMP/thousand.out" | head -n 1)
RUN_PHASE_SAME=$(sed -n 's/^  "duration_seconds": \([0-9.e-]*\),*$/\1/p' "$TMP/thousand-same.out" | head -n 1)

# The overhead itself, in ROUNDS rounds of the two runs back to back: the machine's speed drifts
# over a benchmark (a VM's neighbours), and a difference of two medians taken a minute apart
# carries that drift. The verdict is the median of the rounds' differences.
ROUND_DIFFS=()
for round in $(seq 1 "$ROUNDS"); do
  hyperfine -N --warmup 2 --runs "$ROUND_RUNS" --style none --export-csv "$TMP/round$round.csv" \
    -n "1 rule" "$FLIGHTCHECK check --rules $TMP/one.yaml --root $FIX --format json" \
    -n "1000 rules; distinct paths" \
    "$FLIGHTCHECK check --rules $TMP/thousand.yaml --root $FIX --format json" >/dev/null
  ROUND_DIFFS+=("$(awk -v t="$(median_of "$TMP/round$round.csv" 2)" \
                       -v o="$(median_of "$TMP/round$round.csv" 1)" 'BEGIN {printf "%.2f", (t - o) * 1000}')")
done
ENGINE=$(printf '%s\n' "${ROUND_DIFFS[@]}" | sort -n | awk '{v[NR] = $1} END {
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}')

# --- summary ------------------------------------------------------------------------------------
verdict() { if [[ $1 == 1 ]]; then echo "MET"; else echo "MISSED"; fi; }
RATIO=$(awk -v a="$A" -v b="$B" 'BEGIN {printf "%.1f", b / a}')
RATIO_ONCE=$(awk -v a="$A" -v b="$B_ONCE" 'BEGIN {printf "%.1f", b / a}')
RATIO_OK=$(awk -v a="$A" -v b="$B" 'BEGIN {print (b / a >= 5) ? 1 : 0}')
ENGINE_TABLE=$(awk -v t="$THOUSAND" -v o="$ONE" 'BEGIN {printf "%.2f", (t - o) * 1000}')
ENGINE_SAME=$(awk -v t="$SAME" -v o="$ONE" 'BEGIN {printf "%.2f", (t - o) * 1000}')
ENGINE_OK=$(awk -v e="$ENGINE" 'BEGIN {print (e < 30) ? 1 : 0}')
echo
echo "== summary ($(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)," \
     "kernel $(uname -r), dockerd $DOCKER_VERSION overlay2; medians of $RUNS runs)"
echo "(a) flightcheck check, built-in preflight:  $(ms "$A") ms"
echo "(b) shell_preflight.sh, DC/OS style:        $(ms "$B") ms"
echo "    ratio b/a: ${RATIO}x (target >= 5x): $(verdict "$RATIO_OK")"
echo "    for reference, the shell reading /proc/net once (--ports-once): $(ms "$B_ONCE") ms," \
     "${RATIO_ONCE}x flightcheck's time"
echo "(c) 1 rule: $(ms "$ONE") ms; 1,000 rules, distinct paths: $(ms "$THOUSAND") ms;" \
     "1,000 rules, same path: $(ms "$SAME") ms"
echo "    engine overhead per 1,000 rules (distinct paths, minus the 1-rule run): ${ENGINE} ms" \
     "(target < 30 ms): $(verdict "$ENGINE_OK")"
echo "      median of $ROUNDS paired rounds of $ROUND_RUNS runs: ${ROUND_DIFFS[*]} ms;" \
     "from the table above: ${ENGINE_TABLE} ms"
echo "    the same with one cached path: ${ENGINE_SAME} ms"
echo "    where it goes: loading+validating 1,000 rules $(awk -v a="$VALIDATE_THOUSAND" -v b="$VALIDATE_ONE" 'BEGIN {printf "%.2f", (a - b) * 1000}') ms" \
     "(rules validate, 1000 minus 1); running them $(ms "${RUN_PHASE:-0}") ms distinct /" \
     "$(ms "${RUN_PHASE_SAME:-0}") ms same path (report duration_seconds, one run);" \
     "JSON instead of TAP output $(awk -v a="$THOUSAND" -v b="$TAP" 'BEGIN {printf "%.2f", (a - b) * 1000}') ms"
