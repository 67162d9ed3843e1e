#!/usr/bin/env bash
# The official Azure Data Explorer Python client (azure-kusto-data from PyPI, pinned, in a venv
# under target/) queries Orca's loopback Kusto fake: proves the fake speaks the real v2 REST format.
# The script computes its expected answers from the fixture's CSV files (the fake prints where).
#
# Usage: tests/kusto/run.sh [FAKE_BINARY]   (default: build the example `kusto_fake`; CI passes
# target/debug/examples/kusto_fake, which `cargo test --workspace` already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
AZURE_KUSTO_DATA_VERSION=6.0.4
VENV="${KUSTO_VENV:-target/kusto-venv}"

if ! "$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('azure-kusto-data') == '$AZURE_KUSTO_DATA_VERSION'" 2>/dev/null; then
  command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3; }
  python3 -m venv "$VENV" 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv "$VENV"; } \
    || { echo "error: cannot create the Python virtual environment $VENV"; exit 1; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "azure-kusto-data==$AZURE_KUSTO_DATA_VERSION" \
    || { echo "error: cannot install azure-kusto-data==$AZURE_KUSTO_DATA_VERSION from PyPI into $VENV"; exit 1; }
fi

FAKE="${1:-}"
if [ -z "$FAKE" ] || [ ! -x "$FAKE" ]; then
  cargo build --quiet -p orca-testkit --example kusto_fake
  FAKE=target/debug/examples/kusto_fake
fi
WORK="$(mktemp -d)"
FAKE_PID=""
cleanup() {
  if [ -n "$FAKE_PID" ] && kill -0 "$FAKE_PID" 2>/dev/null; then
    kill -TERM "$FAKE_PID" 2>/dev/null || true
    wait "$FAKE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$FAKE" >"$WORK/fake.json" 2>"$WORK/fake.log" &
FAKE_PID=$!
for _ in $(seq 1 300); do
  [ -s "$WORK/fake.json" ] && break
  kill -0 "$FAKE_PID" 2>/dev/null || { cat "$WORK/fake.log"; echo "error: the Kusto fake exited"; exit 1; }
  sleep 0.1
done
[ -s "$WORK/fake.json" ] || { echo "error: the Kusto fake printed nothing in 30 s"; exit 1; }

field() { "$VENV/bin/python" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$WORK/fake.json" "$1"; }
timeout 60 "$VENV/bin/python" crates/orca-testkit/tests/kusto_python.py \
  --url "$(field url)" --token "$(field token)" --database "$(field database)" --data-dir "$(field data_dir)"
