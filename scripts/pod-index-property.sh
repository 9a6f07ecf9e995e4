#!/bin/sh
# Long run of the pod-index property test: random clusters compared between the indexed path of
# PodTopologySpread / InterPodAffinity and the scanning path (upstream's algorithm).
#   scripts/pod-index-property.sh [FIRST_SEED] [ROUNDS]
# Defaults: a seed from the clock and 2000 rounds (several minutes). A failure prints the seed and the case.
set -eu
cd "$(dirname "$0")/.."
seed="${1:-$(date +%s)}"
rounds="${2:-2000}"
echo "pod-index property test: seeds $seed..$((seed + rounds - 1))"
POD_INDEX_PROPERTY_SEED="$seed" POD_INDEX_PROPERTY_ROUNDS="$rounds" \
    swift test --filter PodIndexPropertyTests.indexedCountsGiveTheScanningAnswers
