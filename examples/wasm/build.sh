#!/bin/sh
# Builds nodenumber.wasm with the Swift toolchain's clang and wasm-ld (no WASI SDK needed).
set -eu
cd "$(dirname "$0")"
CLANG="${CLANG:-$(dirname "$(command -v swift)")/clang}"
"$CLANG" --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export-memory -o nodenumber.wasm nodenumber.c
echo "built $(pwd)/nodenumber.wasm"
