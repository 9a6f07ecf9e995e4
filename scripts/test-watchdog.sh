#!/usr/bin/env bash
# Runs a command (normally `swift test ...`) with line-buffered output and a watchdog: when the output stops growing
# for SKS_WATCHDOG_IDLE seconds (default 600), every thread of every process the command started is printed with its
# backtrace (lldb, else gdb), then the command is killed and the script exits 1. A hung test run then says where it
# hung instead of being cut by CI's time limit with its last buffered lines lost.
#
#   scripts/test-watchdog.sh swift test --explicit-target-dependency-import-check error
set -uo pipefail

idle_limit=${SKS_WATCHDOG_IDLE:-600}
log=$(mktemp)

# stdbuf reaches the test binary through the environment, so its lines are written as they happen.
setsid stdbuf -oL -eL "$@" >"$log" 2>&1 &
pid=$!
tail -n +1 -f --pid="$pid" "$log" &

# Children from /proc (a fresh machine may lack procps); field 4 of /proc/PID/stat is the parent.
children_of() {
  local stat
  for stat in /proc/[0-9]*/stat; do
    awk -v parent="$1" '$4 == parent { print $1 }' "$stat" 2>/dev/null
  done
}

descendants() {
  local children child
  children=$(children_of "$1")
  for child in $children; do
    echo "$child"
    descendants "$child"
  done
}

dump_threads() {
  local target=$1
  echo "=== watchdog: threads of process $target ($(tr '\0' ' ' < "/proc/$target/cmdline" 2>/dev/null | cut -c1-200))"
  if command -v gdb >/dev/null 2>&1; then
    timeout 120 gdb -batch -p "$target" -ex "thread apply all bt" 2>&1 | cut -c1-300
  elif lldb --version >/dev/null 2>&1; then
    timeout 120 lldb --batch -p "$target" -o "thread backtrace all" 2>&1 | cut -c1-300
  else
    echo "(no lldb or gdb to print backtraces)"
  fi
}

last_size=-1
idle=0
while kill -0 "$pid" 2>/dev/null; do
  sleep 2
  size=$(stat -c %s "$log" 2>/dev/null || echo 0)
  if [ "$size" = "$last_size" ]; then
    idle=$((idle + 2))
  else
    idle=0
    last_size=$size
  fi
  if [ "$idle" -ge "$idle_limit" ]; then
    echo "=== watchdog: no output for ${idle_limit} s; the run looks hung. Threads of every process it started:" >&2
    for process in "$pid" $(descendants "$pid"); do
      dump_threads "$process" >&2
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    sleep 1
    rm -f "$log"
    exit 1
  fi
done
wait "$pid"
status=$?
sleep 1  # let tail print the last lines
rm -f "$log"
exit "$status"
