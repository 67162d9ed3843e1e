#!/usr/bin/env bash
# Two `orca serve` replicas over one PostgreSQL (every source) and one Redis (the shared result
# cache), loaded by wrk on both at once: cached asks (served from memory or Redis) and uncached
# ones (each runs its queries on PostgreSQL). BENCHMARKS.md, "Replicas", records the figures.
# Usage: bench/replicas.sh [SECONDS]   (needs wrk, psql, and the services of ORCA_TEST_POSTGRES_URL
# and ORCA_TEST_REDIS_URL; run on an idle machine)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-15}"
PG="${ORCA_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"
REDIS="${ORCA_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
NOW=2026-11-24T12:00:00Z
bin=target/release/orca
out=target/bench-report; mkdir -p "$out"
schema="orca_bench_replicas_$$"
tmp=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  psql -q "$PG" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

cargo build --release -q -p orca
echo "== data: the demo set as CSV, into a store (the registry) and into PostgreSQL ($schema)"
"$bin" --now $NOW data generate --out "$tmp/csv" >/dev/null
"$bin" --data "$tmp/store" data import --dir "$tmp/csv" >/dev/null
"$bin" --data "$tmp/store" data import --dir "$tmp/csv" --target postgres --pg-url "$PG" --pg-schema "$schema"

{
  printf '[server]\nrate_limit_per_second = 0.0\n\n'
  printf '[cache]\nbackend = "redis"\nurl = "%s"\nkey_prefix = "orca:bench:%s:"\n' "$REDIS" "$$"
  for source in kusto icm ado tenant docs; do
    printf '\n[sources.%s]\ntype = "postgres"\nurl = "%s"\nschema = "%s"\n' "$source" "$PG" "$schema"
  done
} > "$tmp/orca.toml"
"$bin" --config "$tmp/orca.toml" --data "$tmp/store" doctor

for port in 18091 18092; do
  "$bin" --config "$tmp/orca.toml" --data "$tmp/store" --now $NOW serve --addr 127.0.0.1:$port \
    2>"$tmp/serve-$port.log" &
done
for port in 18091 18092; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

run() { # name, lua script, connections per replica
  echo "== $1: wrk -t1 -c$3 -d${secs}s on each replica at once"
  wrk -t1 -c"$3" -d"${secs}s" --latency -s "$2" http://127.0.0.1:18091/v1/ask > "$tmp/a.txt" &
  wrk -t1 -c"$3" -d"${secs}s" --latency -s "$2" http://127.0.0.1:18092/v1/ask > "$tmp/b.txt"
  wait %3 2>/dev/null || wait
  for r in a b; do
    echo "-- replica $r"; grep -E "Requests/sec|50%|90%|99%|non-2xx|Socket errors" "$tmp/$r.txt"
  done
}
{
  run "cached asks (shared result cache)" crates/orca/tests/http_wrk_ask.lua 16
  run "uncached asks (3 sources x 2 customers on PostgreSQL)" bench/wrk_ask_uncached.lua 8
  echo "== PostgreSQL connections at the end"
  psql -qtA "$PG" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
} 2>&1 | tee "$out/replicas.txt"
