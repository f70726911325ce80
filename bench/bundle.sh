#!/usr/bin/env bash
# Support bundles (see bench/README.md, "bundle"), two comparisons in one run:
#
# (a) journal throughput and memory: journals of about 100 MB and JOURNAL_MB MB of one unit,
#     written by systemd-journal-remote, collected by `flightcheck bundle create` (a journal
#     source for that unit, --journal-dir, zip) and by the peer `journalctl -o export | gzip`.
#     Targets: on the large journal, at least the peer's throughput; peak RSS under 64 MB and flat:
#     for ten times the journal, at most 1.5 times the memory (the walk opens a window of the
#     journal files at a time: checks/journal_files.h).
# (b) against sos report on equal sources: `sos report` with the plugins matching the built-in
#     sources (date, filesys, host, networking, release) runs first; the commands and files its
#     manifest says it collected become a flightcheck sources file, collected by `bundle create`.
#     Target: at least 5x faster (wall time).
#
# Usage: bench/bundle.sh                  builds build-bench/ (Release) and uses it
#        FLIGHTCHECK=/path/to/flightcheck bench/bundle.sh
# Environment: JOURNAL_MB (default 1024), RUNS (timed runs of each side, default 3; medians).
# Needs root for sos report, and systemd-journal-remote, sosreport, jq, GNU time (scripts/setup.sh
# installs them). Touches nothing outside its temp dir (sos writes only under --tmp-dir).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
JOURNAL_MB=${JOURNAL_MB:-1024}
RUNS=${RUNS:-3}
REMOTE=/lib/systemd/systemd-journal-remote

die() { echo "bench: error: $*" >&2; exit 1; }
for tool in journalctl gzip jq python3 sos /usr/bin/time "$REMOTE"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (scripts/setup.sh installs it)"
done
[[ $(id -u) -eq 0 ]] || die "sos report needs root"

. "$HERE/build.sh"

TMP=$(mktemp -d /tmp/fcbundle-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# journal <dir> <MB>: a journal of about MB megabytes on disk (journal files are ~1.45x the
# message text they hold) of bench.service: request-log lines of varied length.
journal() {
  mkdir -p "$1"
  python3 - "$(( $2 * 100 / 145 ))" <<'PY' | "$REMOTE" -o "$1/bench.journal" - 2>/dev/null
import sys
target = int(sys.argv[1]) << 20
out = sys.stdout.buffer
pad = b"x" * 140
written = i = 0
while written < target:
    msg = b"request %d served in %d ms path=/api/v1/items/%d user=svc-%d %s" % (
        i, i % 977, i * 7, i % 13, pad[: i % 140])
    out.write(b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n"
              b"_BOOT_ID=0123456789abcdef0123456789abcdef\n_SYSTEMD_UNIT=bench.service\n"
              b"SYSLOG_IDENTIFIER=bench\n_PID=4242\nPRIORITY=6\nMESSAGE=%s\n\n"
              % (1764547200000000 + i * 1000, i * 1000, msg))
    written += len(msg) + 120
    i += 1
PY
}

# measure <label> <command...>: RUNS runs; prints "<median seconds> <max RSS KB>" of them.
measure() {
  local label=$1; shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    rm -rf "$TMP/out" && mkdir -p "$TMP/out"
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >/dev/null 2>"$TMP/$label.err" ||
      die "$label failed: $(tail -3 "$TMP/$label.err")"
    read -r seconds kb <"$TMP/time"
    times+=("$seconds")
    (( kb > rss )) && rss=$kb
  done
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" "$rss"
}

cat >"$TMP/journal.yaml" <<'YAML'
apiVersion: flightcheck/v1
kind: BundleSources
sources:
  - id: journal.bench
    journal: {units: [bench.service], timeout: 1h}
    max_bytes: 1TiB
YAML

echo "== (a) journal: flightcheck bundle create vs journalctl -o export | gzip"
declare -A ours_s ours_kb peer_s bytes
for mb in 100 "$JOURNAL_MB"; do
  dir=$TMP/journal-$mb
  journal "$dir" "$mb"
  bytes[$mb]=$(du -sb "$dir" | cut -f1)
  read -r peer_s[$mb] _ < <(measure peer-$mb sh -c \
    "journalctl -D '$dir' -u bench.service -o export | gzip > '$TMP/out/peer.gz'")
  read -r ours_s[$mb] ours_kb[$mb] < <(measure ours-$mb "$FLIGHTCHECK" bundle create \
    --role master --no-builtin-sources --sources "$TMP/journal.yaml" --journal-dir "$dir" \
    --output "$TMP/out")
  awk -v mb="$mb" -v b="${bytes[$mb]}" -v o="${ours_s[$mb]}" -v p="${peer_s[$mb]}" \
      -v kb="${ours_kb[$mb]}" 'BEGIN {
    printf "journal %5d MB (%d bytes): flightcheck %6.2f s (%6.1f MB/s, peak RSS %.1f MB), " \
           "peer %6.2f s (%6.1f MB/s)\n", mb, b, o, b / 1048576 / o, kb / 1024, p, b / 1048576 / p }'
  rm -rf "$dir"
done
large=$JOURNAL_MB
verdict() { if awk "BEGIN { exit !($1) }"; then echo MET; else echo MISSED; fi; }
echo "throughput on the large journal, at least the peer's: $(verdict "${ours_s[$large]} <= ${peer_s[$large]}")"
echo "peak RSS under 64 MB: $(verdict "${ours_kb[$large]} < 65536")"
echo "peak RSS flat (large at most 1.5x small): $(verdict "${ours_kb[$large]} * 2 <= ${ours_kb[100]} * 3")"

echo "== (b) equal sources: flightcheck bundle create vs sos report"
plugins=date,filesys,host,networking,release
mkdir -p "$TMP/sos"
read -r sos_s sos_kb < <(measure sos sos report --batch --quiet --tmp-dir "$TMP/sos" \
  --only-plugins "$plugins")
archive=$(ls -t "$TMP"/sos/sosreport-*.tar.xz | head -1)
mkdir -p "$TMP/sos-unpacked"
tar -xJf "$archive" -C "$TMP/sos-unpacked"
manifest=$(ls "$TMP"/sos-unpacked/*/sos_reports/manifest.json)
# The commands sos ran and the regular files it copied, as flightcheck sources.
jq -r '
  [.components.report.plugins[] | .commands[].exec] as $cmds
  | [.components.report.plugins[] | .files[] | .files_copied[]?] as $files
  | "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:",
    ($cmds | to_entries[] | "  - id: cmd.\(.key)\n    command: {argv: [sh, -c, \(.value | tojson)], timeout: 300s}"),
    ($files | map(select(endswith("/") | not)) | unique | to_entries[] | "  - id: file.\(.key)\n    file: {path: \("/" + .value | tojson)}")
' "$manifest" >"$TMP/equal.yaml"
commands=$(grep -c 'command:' "$TMP/equal.yaml" || true)
files=$(grep -c 'file:' "$TMP/equal.yaml" || true)
read -r fc_s fc_kb < <(measure ours-equal "$FLIGHTCHECK" bundle create --role master \
  --no-builtin-sources --sources "$TMP/equal.yaml" --output "$TMP/out")
awk -v s="$sos_s" -v f="$fc_s" -v c="$commands" -v n="$files" -v sk="$sos_kb" -v fk="$fc_kb" \
  'BEGIN { printf "%d commands, %d files: flightcheck %.2f s (peak RSS %.1f MB), sos report %.2f s " \
           "(peak RSS %.1f MB): %.1fx\n", c, n, f, fk / 1024, s, sk / 1024, s / f }'
echo "at least 5x faster than sos report: $(verdict "$sos_s >= 5 * $fc_s")"
