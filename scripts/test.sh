#!/usr/bin/env bash
# The whole test suite: unit tests, and integration tests on embedded SQLite AND PostgreSQL,
# with pages driven in real headless Chromium. Installs/starts what it needs (PostgreSQL,
# chromium, chromium-driver) when it is missing, and fails — never skips — when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hops-target}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  command -v apt-get >/dev/null || { echo "cannot install $* (no apt-get): install it by hand" >&2; exit 1; }
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# --- PostgreSQL --------------------------------------------------------------------------
pg_url="${HOPS_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
pg_reachable() { command -v psql >/dev/null && psql "$pg_url" -Atqc 'SELECT 1' >/dev/null 2>&1; }
if ! pg_reachable; then
  say "PostgreSQL not reachable at $pg_url: starting it"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  conf=/etc/postgresql/$version/main
  # Local development cluster only: trust connections from this machine.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$conf/pg_hba.conf"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  psql "${pg_url%/*}/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
    || psql "${pg_url%/*}/postgres" -qc 'CREATE DATABASE test' || true
fi
pg_reachable || { echo "PostgreSQL is unreachable at $pg_url: the suite must run on both databases" >&2; exit 1; }
export HOPS_TEST_DATABASE_URL="$pg_url"

# --- Chromium for page tests ---------------------------------------------------------------
if ! command -v chromium >/dev/null || ! { command -v chromedriver >/dev/null || [ -x /usr/lib/chromium/chromedriver ]; }; then
  say "installing chromium and chromium-driver"
  apt_install chromium chromium-driver
fi
# --- A Chinese font for PDF reports and page screenshots ------------------------------------
if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK* /usr/share/fonts/truetype/wqy/* >/dev/null 2>&1; then
  say "installing fonts-noto-cjk"
  apt_install fonts-noto-cjk
fi

say "cargo test (SQLite + PostgreSQL at ${pg_url%%@*}@…)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked 2>&1 | tee "$log" || status=$?
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\ntests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
