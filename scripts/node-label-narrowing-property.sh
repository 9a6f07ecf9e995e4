#!/bin/sh
# Long run of the node-label narrowing property test: random clusters compared between the Filter scan narrowed
# through the label index and the full scan (feasible nodes, statuses, nextStartNodeIndex).
#   scripts/node-label-narrowing-property.sh [FIRST_SEED] [ROUNDS]
# Defaults: a seed from the clock and 1000 rounds (minutes). A failure prints the seed and the case.
set -eu
cd "$(dirname "$0")/.."
seed="${1:-$(date +%s)}"
rounds="${2:-1000}"
echo "node-label narrowing property test: seeds $seed..$((seed + rounds - 1))"
NODE_LABEL_NARROWING_SEED="$seed" NODE_LABEL_NARROWING_ROUNDS="$rounds" \
    swift test --filter NodeLabelNarrowingPropertyTests.narrowedScanGivesTheFullScansAnswers
