#!/usr/bin/env bash
# callgrind.sh [BIN [WORK_DIR]]
#
# Counts instructions with valgrind's callgrind (repeatable whatever the machine's load) for
# BIN, by default the `profiling` build (`cargo build --profile profiling`: the release
# profile with debug info, which the release binary no longer carries), on
# scenarios/bench/day-100.yaml and the scheduler bench's scenarios
# (scenarios/bench/schedule-1000.yaml, schedule-5000.yaml), run as `kubesim run FILE --jobs 1`:
# the whole program, and Sim::run alone (the simulation, inclusive). Compare two builds by
# running it on each; crates/kubesim-core/benches/RESULTS.md keeps the history.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${CARGO_TARGET_DIR:-$repo/target}/profiling/kubesim}; work=${2:-$(mktemp -d)}
if [ ! -x "$bin" ]; then
  echo "callgrind.sh: no $bin; build it with: cargo build --profile profiling" >&2
  exit 2
fi
cd "$repo" || exit 2
for s in scenarios/bench/day-100.yaml scenarios/bench/schedule-1000.yaml scenarios/bench/schedule-5000.yaml; do
  b=$(basename "$s" .yaml)
  valgrind --tool=callgrind --callgrind-out-file="$work/$b.callgrind" "$bin" run "$s" --out "$work/out" --quiet --jobs 1 > /dev/null 2>&1
  total=$(callgrind_annotate "$work/$b.callgrind" 2>/dev/null | grep -m1 "PROGRAM TOTALS" | awk '{print $1}')
  sim=$(callgrind_annotate --inclusive=yes "$work/$b.callgrind" 2>/dev/null | grep -m1 "sim::Sim::run \[" | awk '{print $1}')
  echo "$b total=$total sim_run=$sim"
done
