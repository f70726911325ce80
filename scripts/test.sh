#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test: unit tests,
# end-to-end CLI tests and integration tests against real services (dockerd, a ZooKeeper
# ensemble, dnsmasq; they need root). Then builds again with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs the unit tests under them, and last builds the libFuzzer
# harnesses with clang and runs each for a bounded time (docs/fuzzing.md). .ci/run calls exactly
# this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)

echo "== build (warnings are errors)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLIGHTCHECK_WERROR=ON > /dev/null
cmake --build build -j "$jobs"

echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 600

echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFLIGHTCHECK_WERROR=ON \
  -DFLIGHTCHECK_SANITIZE=ON > /dev/null
cmake --build build-sanitize -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0" \
  ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -L unit --timeout 600

echo "== fuzzing (bounded)"
fuzz_started=$SECONDS
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DFLIGHTCHECK_FUZZ=ON -DFLIGHTCHECK_TESTS=OFF > /dev/null
cmake --build build-fuzz -j "$jobs" --target fuzzers
echo "fuzz: built in $((SECONDS - fuzz_started)) s"
fuzz/run.sh build-fuzz 25
echo "fuzz: phase took $((SECONDS - fuzz_started)) s"
