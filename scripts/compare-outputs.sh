#!/usr/bin/env bash
# compare-outputs.sh BEFORE_BIN AFTER_BIN [WORK_DIR]
#
# Runs both kubesim binaries over the same set of commands a user runs (every example
# scenario, narrated and with --watch, the bench scenarios, the 90-run sweep, the same sweep
# as two shards and a merge, validate, explain, a bad input, --help) and compares every
# output byte for byte with diff -r. run.json is left out (it holds wall times), and output
# paths and wall times on stdout are normalised. Prints nothing and exits 0 when they agree.
# Use it for a change that must not alter any output (a refactoring, an optimisation).
set -u
before=$1; after=$2; work=${3:-$(mktemp -d)}
repo=$(cd "$(dirname "$0")/.." && pwd)
capture() {
  local bin=$1 out=$2
  rm -rf "$out"; mkdir -p "$out"
  cd "$repo" || exit 2
  local examples; examples=$(ls scenarios/*.yaml | grep -v sweep-max-surge)
  # shellcheck disable=SC2086
  "$bin" run $examples --out "$out/examples" --quiet --jobs 2 > "$out/examples.stdout" 2> "$out/examples.stderr"; echo "examples rc=$?" >> "$out/rc"
  # shellcheck disable=SC2086
  "$bin" run $examples --out "$out/narrated" --quiet --narrate --jobs 1 > "$out/narrated.stdout" 2>&1; echo "narrated rc=$?" >> "$out/rc"
  "$bin" run scenarios/nginx-rolling-update.yaml scenarios/node-failure.yaml --out "$out/watch" --watch 10s --jobs 1 > "$out/watch.stdout" 2>&1; echo "watch rc=$?" >> "$out/rc"
  "$bin" run scenarios/bench/day-100.yaml scenarios/bench/day-1000.yaml scenarios/bench/rollout-1000.yaml --out "$out/bench" --quiet --jobs 2 > "$out/bench.stdout" 2>&1; echo "bench rc=$?" >> "$out/rc"
  "$bin" sweep scenarios/sweep-max-surge.yaml --out "$out/sweep" --quiet --jobs 2 > "$out/sweep.stdout" 2>&1; echo "sweep rc=$?" >> "$out/rc"
  for s in scenarios/*.yaml; do "$bin" validate "$s" >> "$out/validate.stdout" 2>&1; echo "validate $s rc=$?" >> "$out/rc"; done
  "$bin" explain scenarios/nginx-rolling-update.yaml --object deployment/nginx-dep > "$out/explain.stdout" 2>&1; echo "explain rc=$?" >> "$out/rc"
  "$bin" explain scenarios/node-failure.yaml --object node/worker-2 > "$out/explain2.stdout" 2>&1; echo "explain2 rc=$?" >> "$out/rc"
  printf 'nodes: [\n' > "$out.bad.yaml"
  "$bin" run "$out.bad.yaml" --out "$out/bad" 2>&1 | sed "s#$out.bad.yaml#BAD#g" > "$out/bad.stdout"; echo "bad rc=${PIPESTATUS[0]}" >> "$out/rc"
  "$bin" --help > "$out/help.stdout" 2>&1
  "$bin" run --help > "$out/runhelp.stdout" 2>&1
  "$bin" sweep scenarios/sweep-max-surge.yaml --out "$out/shards/a" --shard 0/2 --quiet --jobs 2 > /dev/null 2>&1; echo "shard0 rc=$?" >> "$out/rc"
  "$bin" sweep scenarios/sweep-max-surge.yaml --out "$out/shards/b" --shard 1/2 --quiet --jobs 2 > /dev/null 2>&1; echo "shard1 rc=$?" >> "$out/rc"
  "$bin" merge "$out/shards/a" "$out/shards/b" --out "$out/merged" > "$out/merge.stdout" 2>&1; echo "merge rc=$?" >> "$out/rc"
  find "$out" -name run.json -delete
  find "$out" -name "*.stdout" -exec sed -i -E "s#$out#OUT#g; s# in [0-9.]+m?s \(# in T (#g" {} +
}
# The binaries are copied under one name, so that --help's usage line names kubesim for both.
mkdir -p "$work/before-bin" "$work/after-bin"
cp "$before" "$work/before-bin/kubesim"; cp "$after" "$work/after-bin/kubesim"
capture "$work/before-bin/kubesim" "$work/before"
capture "$work/after-bin/kubesim" "$work/after"
diff -r "$work/before" "$work/after"
