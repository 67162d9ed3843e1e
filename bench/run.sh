#!/usr/bin/env bash
# End-to-end benchmark: Orca's figures and the seed Python reference, in one run, on this machine.
# Usage: bench/run.sh [--quick]      (run on an idle machine; takes ~5 minutes, ~2 with --quick)
# Everything lands in target/bench-report/; BENCHMARKS.md records the results and the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""; [ "${1:-}" = "--quick" ] && quick="--quick"
out=target/bench-report; mkdir -p "$out"
measure=(--warm-up-time 1 --measurement-time 3); [ -n "$quick" ] && measure=(--warm-up-time 1 --measurement-time 1)
criterion_lines() { grep -E 'time:|rss growth|^[a-z_0-9/ ]+$' || true; }

echo "== machine"
{ uname -srm; echo "cores: $(nproc)"; grep -m1 'model name' /proc/cpuinfo || true; free -g | sed -n 2p; date -u; } | tee "$out/machine.txt"

echo "== build (release)"
cargo build --release -q

echo "== criterion: analysis, registry, engine (fan-out, 50/80/120 ms), cache"
cargo bench -q -p orca-core -- "${measure[@]}" 2>&1 | criterion_lines | tee "$out/core.txt"
cargo bench -q -p orca-engine -- "${measure[@]}" 2>&1 | criterion_lines | tee "$out/engine.txt"

echo "== store at scale: generate ~1,000,000 rows, import 1,000,000 case rows"
cargo run -q --release -p orca-connectors --example store_bench 2>&1 | tee "$out/store.txt"

echo "== whole commands (hyperfine, cold processes)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bin=target/release/orca; NOW=2026-11-24T12:00:00Z
"$bin" --data "$tmp/store" --now $NOW data generate >/dev/null
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 5 --export-markdown "$out/commands.md" \
    -n "orca plan (3 customers, 3 sources)" "$bin --data $tmp/store --now $NOW plan 'Show cases, ICMs, and ADO bugs for Ford, GM, and Toyota'" \
    -n "orca ask (1 source)" "$bin --data $tmp/store --now $NOW ask 'How many cases does Ford have?' --format json --no-cache" \
    -n "orca ask (3 customers x 3 sources)" "$bin --data $tmp/store --now $NOW ask 'Show cases, ICMs, and ADO bugs for Ford, GM, and Toyota' --format json --no-cache" \
    -n "orca ask, 3 sources each slow:300" "$bin --data $tmp/store --now $NOW ask 'cases, ICMs and bugs for Ford' --inject-fault kusto=slow:300 --inject-fault icm=slow:300 --inject-fault ado=slow:300 --format json --no-cache" \
    2>&1 | tee "$out/commands.txt"
else
  echo "hyperfine is not installed (apt-get install hyperfine): whole-command timings skipped"
fi

echo "== connectors: each against its loopback fake, and PostgreSQL (needs ORCA_TEST_POSTGRES_URL's server)"
cargo run -q --release -p orca-testkit --example connector_overhead -- --rounds 20 2>&1 | tee "$out/connectors.txt" \
  || echo "connector figures skipped (is PostgreSQL up?)"
if command -v wrk >/dev/null && command -v psql >/dev/null; then
  bench/replicas.sh 15 || echo "replica figures skipped (are PostgreSQL and Redis up?)"
else
  echo "wrk or psql is not installed (apt-get install wrk postgresql-client): replica figures skipped"
fi

echo "== seed Python reference (../shared/baseline/bench.py), same machine, same run"
if [ -f ../shared/baseline/bench.py ]; then
  python3 ../shared/baseline/bench.py $quick | tee "$out/baseline.txt"
else
  echo "../shared/baseline/bench.py not found: reference skipped"
fi
echo "== done: $out/"
