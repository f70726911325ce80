#!/usr/bin/env bash
# First run on a fresh Debian 12 machine: install what is missing, build flightcheck, and run its
# main job, a local preflight with the built-in rules. Extra arguments go to `flightcheck check`
# (e.g. --role master, --format json). The exit code is the preflight's (docs/cli.md).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build --target flightcheck -j "$(nproc)"
echo
echo "flightcheck check $*"
exec ./build/cli/flightcheck check "$@"
