#!/usr/bin/env bash
# `idm import-prp` on a generated old-portal world (seed 1; 100,000 users unless given):
# a dry run, the real run and a second run (nothing to change) into a fresh SQLite file and
# a fresh PostgreSQL database, each with its wall time and peak memory (GNU time).
# Budgets (issue 19): each run ≤ 60 s, ≤ 500 MB. Usage: bench/prp.sh [USERS]
# The world is generated once into the PostgreSQL database prp_bench_<USERS> and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
bin=${IDM_BIN:-target/release/idm}
[ -x "$bin" ] || cargo build --release
pg="-h 127.0.0.1 -U postgres"
src=prp_bench_$users
if [ "$(psql $pg -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='$src'")" != 1 ]; then
  echo "generating and loading a world of $users users into $src ..."
  createdb $pg "$src.tmp" 2>/dev/null || { dropdb $pg "$src.tmp"; createdb $pg "$src.tmp"; }
  psql $pg -d "$src.tmp" -v ON_ERROR_STOP=1 -q -f tests/prp/prp_schema.sql
  python3 tests/prp/gen_prp_world.py --seed 1 --users "$users" \
    | psql $pg -d "$src.tmp" -v ON_ERROR_STOP=1 -q -f -
  psql $pg -d postgres -qc "ALTER DATABASE \"$src.tmp\" RENAME TO $src"
fi
from="postgres://postgres@127.0.0.1:5432/$src"
dir=$(mktemp -d)
trap 'rm -rf "$dir"; dropdb $pg --if-exists idm_prp_bench' EXIT
# The one decision the generated world needs: the CLUSTER_ADMIN role row (case R13) dropped.
admin=$(psql $pg -d "$src" -Atqc "SELECT id FROM core_prprole WHERE role = 'CLUSTER_ADMIN'")
printf '{"roles": {"%s": "drop"}}\n' "$admin" > "$dir/resolve.json"

measure() {
  local label=$1 url=$2
  shift 2
  DATABASE_URL="$url" RUST_LOG=warn /usr/bin/time -f '%e %M' -o "$dir/time" \
    "$bin" import-prp --from "$from" --quiet --resolve "$dir/resolve.json" "$@" > "$dir/out.txt"
  read -r secs kb < "$dir/time"
  printf '%-12s %-26s %7.1f s %6d MB\n' "$db" "$label" "$secs" $((kb / 1024))
}

for db in sqlite postgres; do
  if [ $db = sqlite ]; then
    url="sqlite://$dir/idm.db?mode=rwc"
  else
    dropdb $pg --if-exists idm_prp_bench 2>/dev/null
    createdb $pg idm_prp_bench
    url="postgres://postgres@127.0.0.1:5432/idm_prp_bench"
  fi
  DATABASE_URL="$url" RUST_LOG=warn "$bin" migrate > /dev/null
  measure "dry run" "$url" --dry-run
  measure "real run" "$url" --report "$dir/report-$db.json"
  measure "second run (no change)" "$url"
  # The mapping's figures for this size (docs/prp-migration.md: N=100000).
  python3 - "$dir/report-$db.json" "$users" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
e = {x["entity"]: (x["read"], x["migrated"]) for x in r["entities"]}
print("             migrated: users %d of %d, roles %d of %d, clusters %d of %d" % (e["user"][1], e["user"][0], e["role"][1], e["role"][0], e["cluster"][1], e["cluster"][0]))
if sys.argv[2] == "100000":
    assert (e["user"], e["role"], e["cluster"]) == ((100000, 99996), (119425, 119406), (16819, 16816)), e
PY
done
echo
echo "last run's summary:"
cat "$dir/out.txt"
