#!/usr/bin/env bash
# Demo-hospital generation time at a given scale (default 1), in a fresh data directory, with
# the release build. Target (issue #2): under 60 s at scale 1 on 2 cores. Prints the time and
# its ratio to that target (< 1.00 meets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hops-target}"
cargo build --release -q -p hops
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
start=$(date +%s.%N)
"$CARGO_TARGET_DIR/release/hops" --data "$dir" demo --scale "$scale" --no-serve >/dev/null
end=$(date +%s.%N)
patients=$((scale * 50000))
size=$(du -sh "$dir" | cut -f1)
awk -v s="$start" -v e="$end" -v n="$patients" -v k="$scale" -v d="$size" 'BEGIN {
  t = e - s; target = 60 * k
  printf "demo generation, scale %d (%d patients): %.1f s, %.0f patients/s, data %s\n", k, n, t, n / t, d
  printf "target (60 s per scale unit): %d s; ratio measured/target: %.2f\n", target, t / target
}'
