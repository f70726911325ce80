# Sourced by the benchmarks: sets FLIGHTCHECK to the binary to measure. When FLIGHTCHECK is not
# set, builds build-bench/ (Release, no tests, JOBS jobs, default 1) first. Needs REPO and die().
if [[ -z ${FLIGHTCHECK:-} ]]; then
  echo "== building flightcheck (Release) in $REPO/build-bench"
  cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DFLIGHTCHECK_TESTS=OFF >/dev/null
  ninja -C "$REPO/build-bench" -j "${JOBS:-1}" flightcheck >/dev/null
  FLIGHTCHECK=$REPO/build-bench/cli/flightcheck
fi
[[ -x $FLIGHTCHECK ]] || die "no flightcheck binary ($FLIGHTCHECK)"
