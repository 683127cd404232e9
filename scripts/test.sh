#!/usr/bin/env bash
# civiforge's whole test run, as CI runs it: formatting, lints, and every test on SQLite and
# on a real PostgreSQL 15 server started here in a throwaway cluster (and stopped at exit).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/civiforge-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

PG_BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PG_BIN/initdb" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing PostgreSQL 15"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  else
    echo "PostgreSQL 15 server binaries are missing ($PG_BIN): install the postgresql-15 package" >&2
    exit 1
  fi
fi

# deploy/'s checks read the nginx example with nginx -t and the unit with systemd-analyze.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing nginx-light and systemd (deploy/ checks)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light systemd openssl >/dev/null
  else
    echo "nginx is missing: install the nginx-light package (deploy/ checks)" >&2
    exit 1
  fi
fi

# A throwaway cluster; initdb refuses root, so root runs it as the postgres user.
PG_DIR=$(mktemp -d /tmp/civiforge-pg.XXXXXX)
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
stop_postgres() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_postgres EXIT
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
for attempt in 1 2 3 4 5; do
  PG_PORT=$((20000 + RANDOM % 20000))
  if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
      "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
      start >/dev/null; then
    break
  fi
  [ "$attempt" = 5 ] && { cat "$PG_DIR/log" >&2; exit 1; }
done
export CIVIFORGE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
echo "== PostgreSQL 15 on port $PG_PORT"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace
echo "== browser tests (Debian chromium, playwright-core, axe-core)"
tests/browser/run.sh
echo "== release build, as deploy/Containerfile makes it"
cargo build --release --locked -p civiforge
