#!/usr/bin/env bash
# The OpenAPI document of `orca serve` checked against the running server with schemathesis (from
# PyPI, pinned, in a venv): every documented operation gets bounded generated requests and every
# response is checked (status codes, content types, headers, schemas, auth, 405s).
#
# Usage: tests/schemathesis/run.sh [ORCA_BINARY]   (default: target/debug/orca, built if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
SCHEMATHESIS_VERSION=4.32.5
ORCA="${1:-target/debug/orca}"
VENV="${SCHEMATHESIS_VENV:-/tmp/orca-schemathesis-$SCHEMATHESIS_VERSION}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
SEED="${SCHEMATHESIS_SEED:-20261124}"

[ -x "$ORCA" ] || cargo build -p orca
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION$"; then
  python3 -m venv "$VENV" 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv "$VENV"; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export ORCA_DATA="$WORK/data"
unset ORCA_REDIS_URL
"$ORCA" data generate --customers 40 >/dev/null
TOKEN="$("$ORCA" token add schemathesis --all --tokens "$WORK/tokens.toml" 2>/dev/null)"
# No rate limit: the fuzzer sends bursts from one token.
printf '[server]\nrate_limit_per_second = 0.0\n' > "$WORK/orca.toml"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$ORCA" --config "$WORK/orca.toml" serve --addr "127.0.0.1:$PORT" --tokens "$WORK/tokens.toml" \
  >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!

status=0
# Run from the temporary directory: schemathesis keeps a cache (.schemathesis/) in its working directory.
CONFIG="$PWD/tests/schemathesis/schemathesis.toml"
VENV="$(cd "$VENV" && pwd)"
(cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$CONFIG" run \
  "http://127.0.0.1:$PORT/openapi.json" \
  --wait-for-schema 60 \
  --checks all \
  --header "Authorization: Bearer $TOKEN" \
  --max-examples "$MAX_EXAMPLES" \
  --seed "$SEED" \
  --workers 1 \
  --request-timeout 20 \
  --no-color) || status=$?

# The server must still be healthy and stop cleanly on SIGTERM.
kill -0 "$SERVER_PID" || { echo "orca serve died:"; cat "$WORK/serve.log"; exit 1; }
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || { echo "orca serve did not stop cleanly:"; cat "$WORK/serve.log"; exit 1; }
SERVER_PID=""
exit "$status"
