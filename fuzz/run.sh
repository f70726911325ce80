#!/usr/bin/env bash
# Runs every fuzzer built in BUILD_DIR (cmake -DFLIGHTCHECK_FUZZ=ON, see docs/fuzzing.md): first
# each input of fuzz/regressions/<name>/ once (crashes found before, kept so they stay fixed), then
# SECONDS_EACH seconds of fuzzing from a copy of fuzz/corpus/<name>/, so runs add nothing to the
# repository. Fails when an input crashes, leaks, runs out of memory or takes longer than 10 s; the
# input is kept as BUILD_DIR/fuzz-findings/<name>-crash-<sha1> (or -leak-, -oom-, -timeout-), and
# the end of the fuzzer's log, with the stack, is printed.
#
# Usage: fuzz/run.sh BUILD_DIR [SECONDS_EACH]   (default 25)
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=${2:-25}
source_dir=$(cd "$(dirname "$0")" && pwd)
findings=$build/fuzz-findings
mkdir -p "$findings"
# UBSan's report names only the line without this; the fuzzers abort on any report either way.
export UBSAN_OPTIONS=print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=()
for corpus in "$source_dir"/corpus/*/; do
  name=$(basename "$corpus")
  fuzzer=$build/fuzz/${name}_fuzzer
  if [ ! -x "$fuzzer" ]; then
    echo "fuzz: $fuzzer is missing: build the 'fuzzers' target of $build first" >&2
    exit 2
  fi
  log=$work/$name.log
  options=(-rss_limit_mb=2048 -timeout=10 "-artifact_prefix=$findings/$name-")
  regressions=("$source_dir/regressions/$name"/*)
  if [ -e "${regressions[0]}" ] && ! "$fuzzer" "${options[@]}" "${regressions[@]}" > "$log" 2>&1; then
    echo "fuzz: $name: a kept regression input fails again:"
    tail -n 60 "$log"
    failed+=("$name")
    continue
  fi
  mkdir "$work/$name"
  cp "$corpus"* "$work/$name/"
  seeds=$(ls "$work/$name" | wc -l)
  if "$fuzzer" "${options[@]}" -max_total_time="$seconds" -print_final_stats=1 "$work/$name" \
      > "$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $name: ${runs:-?} inputs in ${seconds} s, corpus $seeds -> $(ls "$work/$name" | wc -l), no crash"
  else
    echo "fuzz: $name found a problem; input kept in $findings:"
    tail -n 60 "$log"
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]} (docs/fuzzing.md: keep the input as a regression, then fix)" >&2
  exit 1
fi
