#!/usr/bin/env bash
# Response-schema conformance: schemathesis (from PyPI, in a virtualenv under
# the target dir) against the emulator binary, for every operation it serves
# (see schemathesis_check.py). Exits non-zero on any server error or schema
# violation not covered by errata.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-target}"
venv="$target/conformance-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "schemathesis==4.32.5"

cargo build -q -p box-emulator --bin box-emulator
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$target/debug/box-emulator" --port "$port" --chunked-min-size 1 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 100); do
  grep -q "token:" "$log" && break
  sleep 0.1
done
token=$(awk '/token:/ {print $2}' "$log")
secret=$(awk '/admin secret/ {print $NF}' "$log")
if [ -z "$token" ]; then
  echo "the emulator did not start:" >&2
  cat "$log" >&2
  exit 1
fi
export BOX_EMULATOR_ADMIN_SECRET="$secret"
"$venv/bin/python" tests/conformance/schemathesis_check.py "http://127.0.0.1:$port" "$token"
