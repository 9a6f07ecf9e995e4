#!/usr/bin/env bash
# Builds and runs one libFuzzer target of fuzz/ (a separate SwiftPM package compiling the main package's
# parsers with `--sanitize=fuzzer`).
#
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_OPTIONS...]   e.g. scripts/fuzz.sh manifest 600
#   scripts/fuzz.sh TARGET --regress                        runs the seed corpus and fuzz/Crashes/TARGET once
#   scripts/fuzz.sh --list
#
# TARGET: manifest, configuration, quantity, selector, workload, watch-stream.
# Seeds are read from fuzz/Corpus/<Target>; inputs found while fuzzing go to fuzz/.work/corpus/<Target> (not
# committed), crashes, hangs (over 10 s per input) and inputs over the memory limit to fuzz/.work/artifacts/.
# The last lines of the log (fuzz/.work/<target>.log) give executions, coverage and corpus size. Exit status:
# 0 when the run ended without a finding, libFuzzer's status otherwise.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

targets=(manifest configuration quantity selector workload watch-stream)
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${targets[@]}"
  exit 0
fi
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_OPTIONS...] | TARGET --regress | --list" >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
case "$target" in
  manifest) name=Manifest ;;
  configuration) name=Configuration ;;
  quantity) name=Quantity ;;
  selector) name=Selector ;;
  workload) name=Workload ;;
  watch-stream) name=WatchStream ;;
  *)
    echo "unknown target \"$target\" (one of: ${targets[*]})" >&2
    exit 2
    ;;
esac

swift build -c release --sanitize=fuzzer --product "Fuzz$name" >&2
binary="$(swift build -c release --sanitize=fuzzer --show-bin-path)/Fuzz$name"

# libFuzzer writes the reproducer itself; Swift's backtracer would only slow the crash down.
export SWIFT_BACKTRACE=enable=no
if [ "$seconds" = "--regress" ]; then
  inputs=("Corpus/$name")
  [ -d "Crashes/$name" ] && inputs+=("Crashes/$name")
  exec "$binary" -runs=0 "${inputs[@]}"
fi

mkdir -p ".work/corpus/$name" .work/artifacts
log=".work/$target.log"
echo "fuzzing $target for $seconds s; log: fuzz/$log" >&2
set +e
"$binary" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix=".work/artifacts/$target-" \
  "$@" ".work/corpus/$name" "Corpus/$name" > "$log" 2>&1
status=$?
set -e
tail -n 20 "$log" >&2
exit $status
