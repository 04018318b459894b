#!/usr/bin/env bash
# Time from exec of `idm serve` to the first 200 from /healthz, on a fresh SQLite file
# (migrations included) and again on the now-migrated file. Needs a production build (cargo build --profile production).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/production/idm
[ -x "$bin" ] || cargo build --profile production
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
measure() {
  local start end pid
  start=$(date +%s%N)
  DATABASE_URL="sqlite://$dir/idm.db?mode=rwc" IDM_JWT_SECRET=startup-bench-secret-0123456789abcd RUST_LOG=warn \
    "$bin" serve --bind "127.0.0.1:$port" >/dev/null 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.005; done
  end=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" || true
  echo "$1: $(( (end - start) / 1000000 )) ms to a ready /healthz"
}
measure "fresh database (migrations applied)"
measure "migrated database"
