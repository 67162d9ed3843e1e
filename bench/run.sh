#!/usr/bin/env bash
# End-to-end benchmark: Orca's figures and the seed Python reference, in one run, on this machine.
# Usage: bench/run.sh [--quick]
# Writes everything to target/bench-report/ and prints a summary. BENCHMARKS.md records the results.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""; [ "${1:-}" = "--quick" ] && quick="--quick"
out=target/bench-report; mkdir -p "$out"
measure="--warm-up-time 1 --measurement-time 3"; [ -n "$quick" ] && measure="--warm-up-time 1 --measurement-time 1"

echo "== machine"; { uname -srm; nproc; grep -m1 'model name' /proc/cpuinfo || true; free -g | head -2; } | tee "$out/machine.txt"

echo "== build"; cargo build --release -q

echo "== criterion: analysis, registry, engine"
cargo bench -q -p orca-core -- $measure 2>&1 | grep -E '^[a-z_/0-9 ]+time:|^[a-zA-Z].*time:' | tee "$out/core.txt" || true
cargo bench -q -p orca-engine -- $measure 2>&1 | grep -E 'time:' | tee "$out/engine.txt" || true

echo "== whole commands (hyperfine)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bin=target/release/orca
NOW=2026-11-24T12:00:00Z
$bin --data "$tmp/store" --now $NOW ask "How many cases does Ford have?" >/dev/null 2>&1   # creates the demo set
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 5 --export-json "$out/commands.json" \
    "$bin --data $tmp/store --now $NOW plan 'Show cases, ICMs, and ADO bugs for Ford, GM, and Toyota'" \
    "$bin --data $tmp/store --now $NOW ask 'How many cases does Ford have?' --format json" \
    "$bin --data $tmp/store --now $NOW ask 'Show cases, ICMs, and ADO bugs for Ford, GM, and Toyota' --format json" \
    "$bin --data $tmp/store --now $NOW ask 'cases, ICMs and bugs for Ford' --inject-fault kusto=slow:300 --inject-fault icm=slow:300 --inject-fault ado=slow:300 --format json" \
    | tee "$out/commands.txt"
else
  echo "hyperfine not installed (apt-get install hyperfine); skipping whole-command timings"
fi

echo "== data generation and import at 1,000,000 rows"
/usr/bin/time -f "generate 1M: %e s, max RSS %M KB" $bin --data "$tmp/big" data generate --customers 2000 --scale 1 --out "$tmp/export" 2>&1 | tail -1 | tee "$out/generate.txt" || true

echo "== seed Python reference (../shared/baseline/bench.py)"
if [ -f ../shared/baseline/bench.py ]; then
  python3 ../shared/baseline/bench.py $quick | tee "$out/baseline.txt"
else
  echo "../shared/baseline not found; skipping the reference"
fi
echo "== report in $out/"
