#!/usr/bin/env bash
# Runs Box's official Python SDK (boxsdk 10.x) against the emulator binary:
# installs the SDK into a virtualenv under the target dir, starts
# `box-emulator` on a free loopback port, runs official_python_sdk.py, and
# stops the emulator. Exits non-zero if any SDK check fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-target}"
venv="$target/sdk-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "boxsdk==10.18.0"

cargo build -q -p box-emulator --bin box-emulator
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$target/debug/box-emulator" --port "$port" --chunked-min-size 1 --part-size 65536 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 100); do
  grep -q "token:" "$log" && break
  sleep 0.1
done
token=$(awk '/token:/ {print $2}' "$log")
export BOX_EMULATOR_ADMIN_SECRET=$(awk '/admin secret/ {print $NF}' "$log")
if [ -z "$token" ]; then
  echo "the emulator did not start:" >&2
  cat "$log" >&2
  exit 1
fi
"$venv/bin/python" tests/sdk/official_python_sdk.py "http://127.0.0.1:$port" "$token"
