#!/usr/bin/env bash
# Peer benchmark server: PostGraphile v5 over the same data as idm (see
# ../shared/peer-bench/README.md). Rerunnable:
#
#   bench/peer.sh setup   # database `peer` + data, PostGraphile and node@22 in $PEER_CACHE
#   bench/peer.sh start   # PostGraphile in the background, waits until it answers, prints URL
#   bench/peer.sh check   # POSTs each q5_*.json and summarises the answers; fails on errors
#   bench/peer.sh stop    # stops it
#
# Load it with e.g.
#   BODIES=$PEER_DIR/q5_list.json wrk -t2 -c8 -d10s --latency -s bench/wrk-bodies.lua http://127.0.0.1:5005/graphql
#
# Env: PEER_DIR (default ../shared/peer-bench, relative to the repo root),
#      PEER_CACHE (default $HOME/.cache/idm-peer), PGHOST/PGPORT/PGUSER (default 127.0.0.1/5432/postgres).
set -euo pipefail

cd "$(dirname "$0")/.."
PEER_DIR=${PEER_DIR:-../shared/peer-bench}
PEER_DIR=$(cd "$PEER_DIR" && pwd)
PEER_CACHE=${PEER_CACHE:-$HOME/.cache/idm-peer}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
DB=peer
SEED_USERS=100000

pidfile=$PEER_CACHE/postgraphile.pid
logfile=$PEER_CACHE/postgraphile.log
node_bin_dir=$PEER_CACHE/node22/node_modules/node/bin
pg_bin=$PEER_CACHE/node_modules/.bin/postgraphile

log() { echo "peer: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Port and endpoint as configured by graphile.config.mjs (grafserv.port; path is grafserv's
# default graphqlPath "/graphql" unless the config sets one).
port() {
  local p
  p=$(sed -n 's/.*grafserv:.*port: *\([0-9][0-9]*\).*/\1/p' "$PEER_DIR/graphile.config.mjs" | head -n1)
  echo "${p:-5005}"
}
gql_path() {
  local p
  p=$(sed -n 's/.*graphqlPath: *"\([^"]*\)".*/\1/p' "$PEER_DIR/graphile.config.mjs" | head -n1)
  echo "${p:-/graphql}"
}
url() { echo "http://127.0.0.1:$(port)$(gql_path)"; }

running_pid() {
  local pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# POST a JSON body (file) to the endpoint; prints the response body.
post() { curl -sS --max-time 30 -H 'Content-Type: application/json' --data-binary "@$1" "$(url)"; }

cmd_setup() {
  command -v psql >/dev/null || die "psql not found (apt-get install -y postgresql-client)"
  command -v npm >/dev/null || die "npm not found"
  if ! command -v wrk >/dev/null; then
    log "installing wrk (load generator)"
    apt-get install -y wrk >/dev/null || { apt-get update -qq && apt-get install -y wrk >/dev/null; } \
      || log "warning: could not install wrk"
  fi

  # --- database ---
  if [ "$(psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    log "creating database $DB"
    createdb "$DB"
  fi
  local n
  # (two queries: a count(*) on a missing table fails at parse time, even inside a CASE)
  n=missing
  if [ "$(psql -d "$DB" -Atc "SELECT to_regclass('app.app_user') IS NOT NULL")" = t ]; then
    n=$(psql -d "$DB" -Atc "SELECT count(*) FROM app.app_user")
  fi
  if [ "$n" != "$SEED_USERS" ]; then
    log "loading schema.sql + seed.sql into $DB (app.app_user rows: $n)"
    # schema.sql drops and recreates schema app, so this is safe to repeat.
    (cd "$PEER_DIR" && psql -d "$DB" -q -v ON_ERROR_STOP=1 -f schema.sql -f seed.sql >/dev/null)
  else
    log "database $DB already loaded ($n users)"
  fi

  # --- PostGraphile + node@22 ---
  mkdir -p "$PEER_CACHE"
  cp "$PEER_DIR/graphile.config.mjs" "$PEER_CACHE/graphile.config.mjs"
  if [ ! -x "$pg_bin" ] || ! cmp -s "$PEER_DIR/package.json" "$PEER_CACHE/package.json"; then
    log "installing PostGraphile into $PEER_CACHE"
    cp "$PEER_DIR/package.json" "$PEER_CACHE/package.json"
    (cd "$PEER_CACHE" && npm install --no-audit --no-fund)
  else
    log "PostGraphile already installed"
  fi
  if [ ! -x "$node_bin_dir/node" ] || [[ "$("$node_bin_dir/node" --version 2>/dev/null)" != v22.* ]]; then
    log "installing node@22 into $PEER_CACHE/node22"
    mkdir -p "$PEER_CACHE/node22"
    (cd "$PEER_CACHE/node22" && { [ -f package.json ] || npm init -y >/dev/null; } \
      && npm install --no-audit --no-fund node@22)
  else
    log "node $("$node_bin_dir/node" --version) already installed"
  fi
  log "setup done"
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    url
    return 0
  fi
  [ -x "$pg_bin" ] && [ -x "$node_bin_dir/node" ] || die "not installed: run bench/peer.sh setup"
  if curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$(port)/" 2>/dev/null; then
    die "port $(port) is already in use by another process"
  fi
  cp "$PEER_DIR/graphile.config.mjs" "$PEER_CACHE/graphile.config.mjs"
  log "starting PostGraphile (log: $logfile)"
  (
    cd "$PEER_CACHE"
    PATH=$node_bin_dir:$PATH NODE_ENV=production exec setsid "$pg_bin" -C graphile.config.mjs \
      </dev/null >"$logfile" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$pidfile"

  local body='{"query":"{ __typename }"}' i out
  for i in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      tail -n 30 "$logfile" >&2 || true
      die "PostGraphile exited during start-up"
    fi
    out=$(curl -s --max-time 2 -H 'Content-Type: application/json' -d "$body" "$(url)" 2>/dev/null || true)
    if [[ "$out" == *'"__typename":"Query"'* ]]; then
      log "ready after ~$((i / 10)).$((i % 10)) s (pid $pid)"
      url
      return 0
    fi
    sleep 0.1
  done
  tail -n 30 "$logfile" >&2 || true
  cmd_stop || true
  die "PostGraphile did not answer within 60 s"
}

cmd_stop() {
  local pid i
  if ! pid=$(running_pid); then
    rm -f "$pidfile"
    log "not running"
    return 0
  fi
  # setsid made it a process-group leader: signal the whole group (node + any children).
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after 10 s, sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "stopped (pid $pid)"
}

cmd_check() {
  running_pid >/dev/null || die "not running: run bench/peer.sh start"
  local f name out fail=0
  for f in "$PEER_DIR"/q5_*.json; do
    name=$(basename "$f")
    if ! out=$(post "$f"); then
      echo "$name: request failed"
      fail=1
      continue
    fi
    # Summarise with the node@22 installed by setup (no jq dependency).
    if ! printf '%s' "$out" | "$node_bin_dir/node" -e '
      const name = process.argv[1];
      let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
        let r;
        try { r = JSON.parse(s); } catch (e) { console.log(`${name}: not JSON: ${s.slice(0, 200)}`); process.exit(1); }
        if (r.errors && r.errors.length) {
          console.log(`${name}: ERRORS: ${r.errors.map(e => e.message).join("; ")}`);
          process.exit(1);
        }
        const parts = [];
        for (const [field, v] of Object.entries(r.data || {})) {
          if (v && typeof v === "object" && "nodes" in v) {
            const roles = v.nodes.reduce((a, n) => a + (n.prpRolesByUserId ? n.prpRolesByUserId.nodes.length : 0), 0);
            parts.push(`${field}: ${"totalCount" in v ? `totalCount=${v.totalCount} ` : ""}nodes=${v.nodes.length}` +
                       ` nestedRoles=${roles}` + (v.nodes[0] ? ` firstRowId=${v.nodes[0].rowId}` : ""));
          } else {
            parts.push(`${field}: ${JSON.stringify(v)}`);
          }
        }
        console.log(`${name}: ok, ${parts.join(", ")}`);
      });' "$name"; then
      fail=1
    fi
  done
  [ "$fail" = 0 ] || die "some answers had errors"
}

case "${1:-}" in
  setup) cmd_setup ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  check) cmd_check ;;
  url) url ;;
  *) echo "usage: $0 setup|start|stop|check|url" >&2; exit 2 ;;
esac
