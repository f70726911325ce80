#!/usr/bin/env bash
# flightcheck fleet benchmark (see bench/README.md, "Fleet preflight over SSH (issue 3)").
# Starts N sshd "hosts" on 127.0.0.11.. (each in its own mount namespace with a private tmpfs /opt,
# TESTBED.md "Several hosts") and measures, with hyperfine, at the same parallelism P:
#   (a) floor:  `ssh HOST true` to every host (xargs -P P);
#   (b) pssh:   parallel-ssh -p P running `flightcheck check --format json` (built-in preflight
#               rules, no role) on every host, the binary copied to each host's /opt beforehand;
#   (c1) `flightcheck preflight` with the artifact absent on every host (copied, checked, extracted);
#   (c2) `flightcheck preflight` with the artifact already on every host;
# and prints mean ± stddev and the ratios c2/a, c2/b, c1/a.
# With --memory: 100 hosts, `flightcheck preflight` under /usr/bin/time -v (artifact absent, then
# present); reports the maximum resident set size and the coordinator's own VmHWM.
#
# Usage: bench/fleet.sh [--hosts N] [--parallelism P] [--runs R] [--warmup W] [--memory]
#                       [--first-octet K]   (hosts on 127.0.0.K.., default 11; use another K
#                                            when the integration tests' sshds hold 127.0.0.11..)
#                       [--keep-clock]      (see below)
#        FLIGHTCHECK=/path/to/flightcheck bench/fleet.sh ...   (default: build/cli/flightcheck)
# Defaults: 30 hosts, P = 30 (ssh_parallelism, xargs -P, pssh -p), 5 runs after 1 warmup;
# --memory: 100 hosts and P = 30 (100 parallel handshakes would only queue on 2 cores).
# Both (b) and (c) skip the built-in rule clock.synced (config.yaml skip_checks; check --skip)
# unless --keep-clock is given: on a host whose clock is not synchronized it retries for 10 s
# (retry: {within: 10s}), which would make every contender's time "10 s of waiting" instead of
# the fan-out this benchmark is about.
# Needs root, openssh-server, openssh-client, util-linux (unshare), pssh (parallel-ssh),
# hyperfine, jq; --memory also needs GNU time (/usr/bin/time, Debian package `time`).
#
# Touches nothing outside its temp dir and 127.0.0.0/8 except /run/sshd (sshd's privilege
# separation directory; created if missing and removed again). Each sshd is stopped by its pid in
# the cleanup trap, and so is every process left in that sshd's private mount namespace (its
# sessions); the namespaces, and their /opt tmpfs, disappear with them. Strict host-key checking
# stays on everywhere (a private known_hosts). Exit status: non-zero when something fails to run
# (a host unreachable, a contender not really running); a missed target only prints MISSED.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
HOSTS=30
PAR=30
RUNS=5
WARMUP=1
MEMORY=0
KEEP_CLOCK=0
FIRST_OCTET=11

die() {
  echo "fleet: error: $*" >&2
  # Keep what the runs printed: the temp dir goes away with the trap.
  if [[ -n ${TMP:-} && -d $TMP/rcs ]]; then
    local keep
    keep=$(mktemp -d /tmp/fcfleet-failed-XXXXXX)
    cp -r "$TMP"/rcs "$TMP"/*_runs.out "$TMP"/logs_* "$TMP"/state_*.json "$keep"/ 2>/dev/null || true
    [[ -d ${INSTALL:-}/genconf ]] && cp -r "$INSTALL/genconf/logs" "$INSTALL/genconf/state" "$keep"/ 2>/dev/null
    echo "fleet: run outputs kept in $keep" >&2
  fi
  exit 1
}
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-0}"; }

HOSTS_GIVEN=0
PAR_GIVEN=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --hosts) HOSTS=${2:?}; HOSTS_GIVEN=1; shift 2 ;;
    --parallelism) PAR=${2:?}; PAR_GIVEN=1; shift 2 ;;
    --runs) RUNS=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --memory) MEMORY=1; shift ;;
    --keep-clock) KEEP_CLOCK=1; shift ;;
    --first-octet) FIRST_OCTET=${2:?}; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "fleet: unknown argument '$1'" >&2; usage 64 ;;
  esac
done
if [[ $MEMORY == 1 ]]; then
  [[ $HOSTS_GIVEN == 1 ]] || HOSTS=100
  # 100 parallel OpenSSH handshakes (~0.15-0.2 s CPU each) swamp 2 cores; 30 at a time is what
  # the timing runs use. --parallelism overrides it.
  [[ $PAR_GIVEN == 1 ]] || PAR=30
fi
[[ $FIRST_OCTET =~ ^[0-9]+$ && $FIRST_OCTET -ge 2 ]] || die "--first-octet must be 2..250"
[[ $HOSTS =~ ^[0-9]+$ && $HOSTS -ge 4 && $((FIRST_OCTET + HOSTS - 1)) -le 254 ]] ||
  die "--hosts must be 4..$((255 - FIRST_OCTET))"
[[ $PAR =~ ^[0-9]+$ && $PAR -ge 1 && $PAR -le 100 ]] || die "--parallelism must be 1..100"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 2 ]] || die "--runs must be at least 2"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup must be a number"

FLIGHTCHECK=${FLIGHTCHECK:-$REPO/build/cli/flightcheck}
[[ -x $FLIGHTCHECK ]] || die "no flightcheck binary at $FLIGHTCHECK (set FLIGHTCHECK=)"
FLIGHTCHECK=$(cd "$(dirname "$FLIGHTCHECK")" && pwd)/$(basename "$FLIGHTCHECK")

[[ $(id -u) -eq 0 ]] || die "must run as root (sshd on port 22, mount namespaces, root login)"
for tool in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen /usr/bin/unshare hyperfine jq \
            parallel-ssh xargs; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install openssh-server" \
                                            "openssh-client util-linux pssh hyperfine jq)"
done
if [[ $MEMORY == 1 && ! -x /usr/bin/time ]]; then
  die "/usr/bin/time is missing: apt-get install -y time"
fi

# --- temp dir, hosts, cleanup --------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
TMP=$(mktemp -d /tmp/fcfleet-XXXXXX)
SELF_NS=$(readlink /proc/self/ns/mnt)
declare -a SSHD_PID=() SSHD_NS=()
MADE_RUN_SSHD=0

# The pids of every process in the mount namespaces named in $1 (" ns1 ns2 "; never ours), in one
# pass over /proc.
procs_in_ns() {
  { find /proc -maxdepth 3 -path '/proc/[0-9]*/ns/mnt' -printf '%h %l\n' 2>/dev/null || true; } |
    awk -v set="$1" -v self="$SELF_NS" '$2 != self && index(set, " " $2 " ") {split($1, p, "/"); print p[3]}'
}

# Whether pid $1 is running (a zombie, exited but not yet reaped by us, is not).
alive() {
  local state
  state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

cleanup() {
  local rc=$? i pid ns left
  trap - EXIT INT TERM ERR
  # sshd first (by the pid we started), so that no new session starts...
  for i in "${!SSHD_PID[@]}"; do
    pid=${SSHD_PID[$i]}
    [[ -n $pid ]] && alive "$pid" || continue
    [[ -z ${SSHD_NS[$i]:-} ]] && SSHD_NS[$i]=$(readlink "/proc/$pid/ns/mnt" 2>/dev/null || true)
    kill -TERM "$pid" 2>/dev/null || true
  done
  for i in "${!SSHD_PID[@]}"; do
    pid=${SSHD_PID[$i]}
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  done
  # ...then whatever its sessions left in the host's private namespace (only our sshds and their
  # descendants live there). With the namespace empty, its /opt tmpfs is gone.
  local set=" "
  for ns in "${SSHD_NS[@]}"; do
    [[ -n $ns && $ns != "$SELF_NS" ]] && set+="$ns "
  done
  if [[ $set != " " ]]; then
    for _ in $(seq 1 50); do
      left=$(procs_in_ns "$set")
      [[ -z $left ]] && break
      kill -KILL $left 2>/dev/null || true
      sleep 0.1
    done
  fi
  wait 2>/dev/null || true
  [[ $MADE_RUN_SSHD == 1 ]] && rmdir /run/sshd 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
set -E  # the ERR trap in functions too
trap 'echo "fleet: error: line $LINENO failed: $BASH_COMMAND" >&2' ERR

# A private copy of the binary: the build tree may be relinked while the benchmark runs, and the
# artifact (which embeds the running binary) must stay the same throughout.
cp "$FLIGHTCHECK" "$TMP/flightcheck"
FLIGHTCHECK_SOURCE=$FLIGHTCHECK
FLIGHTCHECK=$TMP/flightcheck

addr() { echo "127.0.0.$((FIRST_OCTET + $1 - 1))"; }

echo "== starting $HOSTS sshd hosts on $(addr 1)..$(addr "$HOSTS") (temp dir $TMP)"
if [[ ! -d /run/sshd ]]; then mkdir -p /run/sshd; MADE_RUN_SSHD=1; fi
KEY=$TMP/user_key
KH=$TMP/known_hosts
ssh-keygen -q -t ed25519 -N '' -C fleet-bench-user -f "$KEY"
cp "$KEY.pub" "$TMP/authorized_keys"
: >"$KH"
: >"$TMP/hosts"
for i in $(seq 1 "$HOSTS"); do
  a=$(addr "$i")
  if (exec 3<>"/dev/tcp/$a/22") 2>/dev/null; then die "$a:22 is already in use"; fi
  ssh-keygen -q -t ed25519 -N '' -C "fleet-bench-host-$i" -f "$TMP/hostkey_$i"
  echo "$a $(cut -d' ' -f1,2 "$TMP/hostkey_$i.pub")" >>"$KH"
  echo "$a" >>"$TMP/hosts"
  cat >"$TMP/sshd_$i.conf" <<CFG
ListenAddress $a
Port 22
HostKey $TMP/hostkey_$i
PidFile $TMP/sshd_$i.pid
AuthorizedKeysFile $TMP/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 200
MaxSessions 100
LogLevel ERROR
Subsystem sftp internal-sftp
CFG
  # unshare and sh exec, so $! is sshd itself.
  unshare -m --propagation private sh -c \
    "mount -t tmpfs -o mode=0755 tmpfs /opt && exec /usr/sbin/sshd -D -e -f '$TMP/sshd_$i.conf'" \
    </dev/null >"$TMP/sshd_$i.log" 2>&1 &
  SSHD_PID[$i]=$!
done
for i in $(seq 1 "$HOSTS"); do
  a=$(addr "$i")
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/$a/22") 2>/dev/null && break
    kill -0 "${SSHD_PID[$i]}" 2>/dev/null || { cat "$TMP/sshd_$i.log" >&2; die "sshd $i exited"; }
    sleep 0.05
  done
  (exec 3<>"/dev/tcp/$a/22") 2>/dev/null || { cat "$TMP/sshd_$i.log" >&2; die "sshd $i does not listen"; }
  SSHD_NS[$i]=$(readlink "/proc/${SSHD_PID[$i]}/ns/mnt")
  [[ ${SSHD_NS[$i]} != "$SELF_NS" ]] || die "sshd $i is not in a private mount namespace"
  [[ $(cat "/proc/${SSHD_PID[$i]}/comm") == sshd ]] || die "pid ${SSHD_PID[$i]} is not sshd"
done

SSH_OPTS=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$KH"
          -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i "$KEY" -o ConnectTimeout=20
          -l root)
q() { printf '%q ' "$@"; }
# Runs a shell command on every host, P at a time; fails unless it exits 0 everywhere.
on_all() {
  xargs -P "$PAR" -I{} ssh "${SSH_OPTS[@]}" {} "$1" <"$TMP/hosts"
}
on_all 'mountpoint -q /opt && [ -z "$(ls -A /opt)" ]' ||
  die "a host's /opt is not its own empty tmpfs"
echo "   all $HOSTS hosts answer over ssh, each with its own empty tmpfs /opt"

# --- the install dir -----------------------------------------------------------------------------
INSTALL=$TMP/install
mkdir -p "$INSTALL/genconf"
masters=$(head -n 3 "$TMP/hosts" | paste -sd, | sed 's/,/, /g')
agents=$(tail -n +4 "$TMP/hosts" | paste -sd, | sed 's/,/, /g')
cat >"$INSTALL/genconf/config.yaml" <<YAML
cluster_name: fleet-bench
bootstrap_url: file:///opt/flightcheck
exhibitor_storage_backend: static
master_discovery: static
master_list: [$masters]
agent_list: [$agents]
resolvers: [127.0.0.1]
ssh_user: root
ssh_key_path: $KEY
ssh_known_hosts_file: $KH
ssh_parallelism: $PAR
process_timeout: 120
builtin_rules: true
$([[ $KEEP_CLOCK == 1 ]] || echo "skip_checks: [clock.synced]")
YAML
printf '#!/bin/sh\necho "$SSH_CONNECTION" | cut -d'"' '"' -f3\n' >"$INSTALL/genconf/ip-detect"
chmod 0755 "$INSTALL/genconf/ip-detect"
(cd "$INSTALL" && "$FLIGHTCHECK" genconf) >"$TMP/genconf.out" 2>&1 ||
  { cat "$TMP/genconf.out" >&2; die "flightcheck genconf failed"; }
ARTIFACT=$(jq -r .name "$INSTALL/genconf/serve/artifact.json")
ARTIFACT_BYTES=$(stat -c %s "$INSTALL/genconf/serve/$ARTIFACT")
echo "== flightcheck: $FLIGHTCHECK_SOURCE ($("$FLIGHTCHECK" --version 2>&1 | head -n 1)), copied to $FLIGHTCHECK"
echo "== genconf: $ARTIFACT ($((ARTIFACT_BYTES / 1024 / 1024)) MiB; binary" \
     "$(($(stat -c %s "$FLIGHTCHECK") / 1024 / 1024)) MiB)"

# Runs `flightcheck preflight` once, checked: exit 0 or 2, and every host ran its rules.
PREFLIGHT_CMD="cd $(q "$INSTALL") && $(q "$FLIGHTCHECK") preflight"
check_preflight_output() {  # rc output-file
  [[ $1 == 0 || $1 == 2 ]] || { tail -n 30 "$2" >&2; die "flightcheck preflight exited with $1"; }
  jq -e --argjson n "$HOSTS" '[.hosts[] | select(.report.results | type == "array")] | length == $n' \
    "$INSTALL/genconf/state/preflight.json" >/dev/null ||
    { tail -n 30 "$2" >&2; die "flightcheck preflight did not get a report from every host"; }
}
remove_artifacts="xargs -P $PAR -I{} ssh $(q "${SSH_OPTS[@]}") {} 'rm -rf /opt/flightcheck' <$(q "$TMP/hosts")"

# --- memory mode ---------------------------------------------------------------------------------
if [[ $MEMORY == 1 ]]; then
  echo "== memory: flightcheck preflight over $HOSTS hosts, ssh_parallelism $PAR, /usr/bin/time -v" \
       "(MaxStartups 200, MaxSessions 100 on every sshd)"
  # time -v's "Maximum resident set size" is the largest of the process and its waited-for
  # children (ssh clients, ~10 MB each); the coordinator's own peak (VmHWM) is sampled from
  # /proc while it runs, so both are shown.
  MEM_CRASHES=0
  MEM_OK_ABSENT=""
  MEM_OK_PRESENT=""
  mem_run() {  # label -> prints one line; sets MEM_LINE and rc
    local label=$1 timed fc v started statuses
    hwm=0
    started=$(date +%s.%N)
    set +e
    (cd "$INSTALL" && exec /usr/bin/time -v -o "$TMP/time.txt" "$FLIGHTCHECK" preflight) \
      >"$TMP/memory.out" 2>&1 &
    timed=$!
    while kill -0 "$timed" 2>/dev/null; do
      fc=$(pgrep -P "$timed" -x flightcheck | head -n 1 || true)
      if [[ -n $fc ]]; then
        v=$(awk '/^VmHWM:/ {print $2}' "/proc/$fc/status" 2>/dev/null || true)
        [[ -n $v && $v -gt $hwm ]] && hwm=$v
      fi
      sleep 0.05
    done
    rc=0
    wait "$timed" || rc=$?
    set -e
    statuses=$(jq -r '[.hosts[].host_status] | group_by(.) | map("\(length) \(.[0])") | join(", ")' \
               "$INSTALL/genconf/state/preflight.json" 2>/dev/null || echo "no state")
    MEM_LINE=$(printf '%-34s exit %3s  max RSS (time -v) %6.1f MB  coordinator VmHWM %6.1f MB  wall %5.1f s  hosts: %s' \
      "$label" "$rc" "$(awk -F': ' '/Maximum resident set size/ {print $2 / 1024}' "$TMP/time.txt")" \
      "$(awk -v k="$hwm" 'BEGIN {print k / 1024}')" \
      "$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {print e - s}')" "$statuses")
    echo "   $MEM_LINE"
    if [[ $rc -ge 128 ]]; then
      MEM_CRASHES=$((MEM_CRASHES + 1))
      { grep -vE 'failed on|warned on|hint:' "$TMP/memory.out" || true; } | tail -n 3 | sed 's/^/      | /'
    elif [[ $rc != 0 && $rc != 2 ]]; then
      tail -n 30 "$TMP/memory.out" >&2
      die "flightcheck preflight exited with $rc"
    fi
  }
  # After a crash the hosts may still be extracting (the coordinator's ssh clients died, the
  # remote commands did not): retry the removal until it succeeds.
  remove_all() {
    local try
    for try in 1 2 3 4 5 6 7 8 9 10; do
      eval "$remove_artifacts" 2>/dev/null && return 0
      sleep 3
    done
    die "cannot remove /opt/flightcheck on every host"
  }
  for attempt in 1 2 3; do
    remove_all
    mem_run "artifact absent, attempt $attempt"
    if [[ $rc -lt 128 ]]; then check_preflight_output "$rc" "$TMP/memory.out"; MEM_OK_ABSENT=$MEM_LINE; break; fi
  done
  for attempt in 1 2 3; do
    mem_run "artifact present, attempt $attempt"
    if [[ $rc -lt 128 ]]; then check_preflight_output "$rc" "$TMP/memory.out"; MEM_OK_PRESENT=$MEM_LINE; break; fi
  done
  echo
  echo "== memory summary ($HOSTS hosts, ssh_parallelism $PAR; target: coordinator < 50 MB)"
  for line in "$MEM_OK_ABSENT" "$MEM_OK_PRESENT"; do
    [[ -z $line ]] && continue
    echo "$line"
    awk -v l="$line" 'BEGIN {split(l, a, "coordinator VmHWM"); split(a[2], b, " "); 
      print "  coordinator < 50 MB: " ((b[1] + 0 < 50) ? "MET" : "MISSED")}'
  done
  [[ -n $MEM_OK_ABSENT ]] || echo "no run with the artifact absent exited 0/2 (all crashed)"
  [[ -n $MEM_OK_PRESENT ]] || echo "no run with the artifact present exited 0/2 (all crashed)"
  if [[ $MEM_CRASHES -gt 0 ]]; then
    echo "BUG: flightcheck preflight was killed by a signal in $MEM_CRASHES run(s) (see above)" >&2
    exit 1
  fi
  exit 0
fi

# --- setup for (b): the binary on every host (not timed) -------------------------------------------
echo "== copying the flightcheck binary to every host's /opt/flightcheck-bin (setup, not timed)"
xargs -P "$PAR" -I{} sh -c "ssh $(q "${SSH_OPTS[@]}") {} \
  'mkdir -p /opt/flightcheck-bin && cat >/opt/flightcheck-bin/flightcheck && chmod 0755 /opt/flightcheck-bin/flightcheck' \
  <$(q "$FLIGHTCHECK")" <"$TMP/hosts" || die "copying the binary failed"

# --- the contenders ------------------------------------------------------------------------------
# Each timed command appends its exit code to a file, so that every timed run is checked
# afterwards (hyperfine -i alone would hide an unreachable host).
A_CMD="xargs -P $PAR -I{} ssh $(q "${SSH_OPTS[@]}") {} true <$(q "$TMP/hosts")"
PSSH_X="-F /dev/null -i $KEY -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$KH"
PSSH_X+=" -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=20"
B_CMD="parallel-ssh -p $PAR -t 120 -h $(q "$TMP/hosts") -l root -x $(q "$PSSH_X")"
CHECK_REMOTE="/opt/flightcheck-bin/flightcheck check --format json"
[[ $KEEP_CLOCK == 1 ]] || CHECK_REMOTE+=" --skip clock.synced"
B_CMD+=" '$CHECK_REMOTE >/dev/null'"

echo "== one checked run of each"
bash -c "$A_CMD" || die "ssh true failed on some host"
rc=0
bash -c "$B_CMD" >"$TMP/pssh_once.out" 2>&1 || rc=$?
check_pssh() {  # output-file [runs]
  local runs=${2:-1} ok bad
  ok=$(grep -cE '\[SUCCESS\]|\[FAILURE\] .* Exited with error code 2$' "$1" || true)
  bad=$(grep -E '\[FAILURE\]' "$1" | grep -vE 'Exited with error code 2$' || true)
  [[ -z $bad && $ok -eq $((HOSTS * runs)) ]] ||
    { head -n 20 "$1" >&2; die "pssh: $ok of $((HOSTS * runs)) host runs exited 0/2; others: ${bad:-missing}"; }
}
[[ $rc == 0 || $rc == 5 ]] || { head -n 20 "$TMP/pssh_once.out" >&2; die "parallel-ssh exited $rc"; }
check_pssh "$TMP/pssh_once.out"
echo "   pssh: every host ran flightcheck check ($(grep -c 'error code 2' "$TMP/pssh_once.out") exited 2)"
ssh "${SSH_OPTS[@]}" "$(head -n 1 "$TMP/hosts")" \
   "$CHECK_REMOTE" >"$TMP/check_one.json" || true
jq -e '.results | length > 0' "$TMP/check_one.json" >/dev/null ||
  die "flightcheck check on a host printed no report"
echo "   flightcheck check (role-less, built-in) on one host: $(jq '.results | length' "$TMP/check_one.json") rules," \
     "$(jq -c '.summary' "$TMP/check_one.json")"
rc=0
bash -c "$PREFLIGHT_CMD" >"$TMP/preflight_once.out" 2>&1 || rc=$?
check_preflight_output "$rc" "$TMP/preflight_once.out"
echo "   flightcheck preflight (exit $rc): $(tail -n 1 "$TMP/preflight_once.out")"
cp -rL "$INSTALL/genconf/logs/preflight/latest" "$TMP/logs_first"  # the last run's

# --- measure -------------------------------------------------------------------------------------
RCS=$TMP/rcs
mkdir -p "$RCS"
HF=(hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic)
echo
echo "== (a) floor: ssh true to $HOSTS hosts, $PAR at a time"
"${HF[@]}" --export-json "$TMP/a.json" -n "a: ssh true (xargs -P $PAR)" "$A_CMD"
echo
echo "== (b) parallel-ssh -p $PAR: flightcheck check on every host"
"${HF[@]}" --export-json "$TMP/b.json" -n "b: parallel-ssh flightcheck check" \
  "$B_CMD >>$TMP/pssh_runs.out 2>&1; echo \$? >>$RCS/b"
echo
echo "== (c1) flightcheck preflight, artifact absent on every host (removed in --prepare, not timed)"
"${HF[@]}" --export-json "$TMP/c1.json" --prepare "$remove_artifacts" \
  -n "c1: flightcheck preflight (artifact absent)" \
  "$PREFLIGHT_CMD >>$TMP/c1_runs.out 2>&1; echo \$? >>$RCS/c1"
cp -rL "$INSTALL/genconf/logs/preflight/latest" "$TMP/logs_c1"  # the last run's
cp "$INSTALL/genconf/state/preflight.json" "$TMP/state_c1.json"
echo
echo "== (c2) flightcheck preflight, artifact present on every host"
"${HF[@]}" --export-json "$TMP/c2.json" -n "c2: flightcheck preflight (artifact present)" \
  "$PREFLIGHT_CMD >>$TMP/c2_runs.out 2>&1; echo \$? >>$RCS/c2"
cp -rL "$INSTALL/genconf/logs/preflight/latest" "$TMP/logs_c2"  # the last run's
cp "$INSTALL/genconf/state/preflight.json" "$TMP/state_c2.json"

# Every timed run really ran: pssh 0/5 (5: some remote command exited non-zero; 4 would be ssh 255) with every host 0/2; preflight 0/2 and the last run of
# each reported from every host.
TOTAL=$((RUNS + WARMUP))
[[ $(wc -l <"$RCS/b") -eq $TOTAL ]] && ! grep -qvE '^(0|5)$' "$RCS/b" ||
  die "parallel-ssh exit codes: $(sort "$RCS/b" | uniq -c | tr '\n' ' ')"
check_pssh "$TMP/pssh_runs.out" "$TOTAL"
# flightcheck preflight must exit 0 or 2. A run killed by a signal (139 SIGSEGV, 134 SIGABRT from
# glibc's heap checks) is not counted: its
# stdout (the summary) is lost, and the crash observed so far leaves hosts unfinished (state
# "running"), so its time is not a fan-out time. Such runs are reported, left out of the mean,
# and make this script exit non-zero at the end. Any other exit code (3: a host unreachable, a
# report missing) fails right away.
CRASHES=""
for c in c1 c2; do
  [[ $(wc -l <"$RCS/$c") -eq $TOTAL ]] && ! grep -qvE '^(0|2|13[0-9]|14[0-9])$' "$RCS/$c" ||
    { tail -n 20 "$TMP/${c}_runs.out" >&2
      die "flightcheck preflight ($c) exit codes: $(sort "$RCS/$c" | uniq -c | tr '\n' ' ')"; }
  n_ok=$(grep -cE '^(0|2)$' "$RCS/$c" || true)
  n_done=$(grep -c "out of $HOSTS hosts successfully completed preflight stage" "$TMP/${c}_runs.out" || true)
  [[ $n_done -ge $n_ok ]] || die "$c: $n_done of $n_ok runs that exited 0/2 printed their summary"
  if [[ $(tail -n 1 "$RCS/$c") -lt 128 ]]; then
    jq -e --argjson n "$HOSTS" '[.hosts[] | select(.report.results | type == "array")] | length == $n' \
      "$TMP/state_$c.json" >/dev/null || die "$c: not every host reported"
  fi
  n_crash=$(grep -cE '^1[34][0-9]$' "$RCS/$c" || true)
  if [[ $n_crash -gt 0 ]]; then
    CRASHES+="$c: flightcheck preflight crashed (killed by a signal: exit codes $(grep -E '^1[34][0-9]$' "$RCS/$c" | sort | uniq -c | tr -s ' \n' ' ')) in $n_crash of $TOTAL runs"
    CRASHES+=" (warmup included); those runs are left out of the mean. "
  fi
  # Keep only the timed runs that exited 0/2 (the rc file holds the warmup runs first).
  jq --slurpfile rcs <(tail -n "$RUNS" "$RCS/$c" | jq -s .) '
    .results[0] as $r | [range(0; $r.times | length) | select($rcs[0][.] < 128) | $r.times[.]] as $t
    | ($t | length) as $n | ($t | add / $n) as $m
    | .results[0] += {mean: $m, min: ($t | min), max: ($t | max), valid_runs: $n,
        stddev: (if $n > 1 then ([$t[] | (. - $m) * (. - $m)] | add / ($n - 1) | sqrt) else 0 end)}' \
    "$TMP/$c.json" >"$TMP/$c.valid.json"
  [[ $(jq '.results[0].valid_runs' "$TMP/$c.valid.json") -ge 1 ]] || die "$c: no timed run exited 0/2"
  mv "$TMP/$c.valid.json" "$TMP/$c.json"
done
for c in a b; do jq --argjson n "$RUNS" '.results[0].valid_runs = $n' "$TMP/$c.json" >"$TMP/$c.v" && mv "$TMP/$c.v" "$TMP/$c.json"; done
# c1 really copied the artifact in every timed run's last instance; c2 never did.
copies=$(cat "$TMP"/logs_c1/*.log | grep -c "^== .* copy $ARTIFACT" || true)
[[ $copies -eq $HOSTS || $(tail -n 1 "$RCS/c1") -ge 128 ]] ||
  die "c1: the artifact was copied to $copies of $HOSTS hosts"
! grep -q "copy $ARTIFACT" "$TMP"/logs_c2/*.log || die "c2 copied the artifact"

# --- summary -------------------------------------------------------------------------------------
stat_of() { jq -r ".results[0].$2" "$TMP/$1.json"; }
f3() { awk -v s="$1" 'BEGIN {printf "%.3f", s}'; }
ratio() { awk -v x="$(stat_of "$1" mean)" -v y="$(stat_of "$2" mean)" 'BEGIN {printf "%.2f", x / y}'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN {print (r < t) ? "MET" : "MISSED"}'; }
# Per-command durations from the hosts' logs: "== exit N after S s" after "== TIME WHAT".
log_stats() {  # dir
  cat "$1"/*.log | awk '
    /^== [0-9]/ && !/^== exit/ {cur = $3; if (cur == "install.sh") cur = cur " " $4}
    /^== exit/ {
      w = cur; if ($3 == 97) w = w " (exit 97: no artifact yet)"
      s = $(NF); sub(/s$/, "", s); s += 0; n[w]++; sum[w] += s; if (s > max[w]) max[w] = s
    }
    END {for (w in n) printf "      %-22s x%-4d mean %.2f s, max %.2f s\n", w, n[w], sum[w] / n[w], max[w]}'
}
echo
echo "== summary ($HOSTS hosts, parallelism $PAR, $RUNS runs + $WARMUP warmup;" \
     "$(nproc) CPUs, load average at start: $LOAD_BEFORE)"
[[ $KEEP_CLOCK == 1 ]] && echo "(clock.synced kept: up to 10 s of retries per host)" ||
  echo "(clock.synced skipped on both b and c; --keep-clock keeps it)"
printf '%-48s %8s   %s\n' "contender" "mean s" "± stddev s (min..max; runs counted)"
for c in a b c1 c2; do
  printf '%-48s %8s   ± %s (%s..%s; %s)\n' "$(stat_of "$c" command)" "$(f3 "$(stat_of "$c" mean)")" \
    "$(f3 "$(stat_of "$c" stddev)")" "$(f3 "$(stat_of "$c" min)")" "$(f3 "$(stat_of "$c" max)")" \
    "$(stat_of "$c" valid_runs)"
done
R_C2A=$(ratio c2 a)
R_C2B=$(ratio c2 b)
R_C1A=$(ratio c1 a)
echo "c2/a = ${R_C2A}x (target <= 1.3x): $(verdict "$R_C2A" 1.3000001)"
echo "c2/b = ${R_C2B}x (target < 1, faster than pssh): $(verdict "$R_C2B" 1)"
echo "c1/a = ${R_C1A}x"
echo "per-host time (state file: connect to done), c1 mean $(jq '[.hosts[].duration_seconds] | add / length | . * 100 | round / 100' "$TMP/state_c1.json") s," \
     "c2 mean $(jq '[.hosts[].duration_seconds] | add / length | . * 100 | round / 100' "$TMP/state_c2.json") s"
for c in c1 c2; do
  [[ $(tail -n 1 "$RCS/$c") -lt 128 ]] || echo "(the last $c run crashed: its logs and state below are partial)"
done
echo "remote command durations, last c1 run (genconf/logs/preflight/latest/*.log):"
log_stats "$TMP/logs_c1"
echo "remote command durations, last c2 run:"
log_stats "$TMP/logs_c2"
echo "flightcheck check's own duration_seconds on the hosts (last c2 run): mean" \
     "$(jq '[.hosts[].report.duration_seconds] | add / length | . * 1000 | round / 1000' "$TMP/state_c2.json") s," \
     "max $(jq '[.hosts[].report.duration_seconds] | max | . * 1000 | round / 1000' "$TMP/state_c2.json") s"
if [[ -n $CRASHES ]]; then
  echo "BUG: $CRASHES" >&2
  exit 1
fi
