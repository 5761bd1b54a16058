#!/usr/bin/env bash
# Side by side, in one run: RecommendSlots in the engine vs the tuned
# PostgreSQL 15 peer (../shared/bench/pg_booking_tuned: btree_gist exclusion
# constraints, range arithmetic) on the same calendar (its 20 bays, 30
# technicians, deterministic 70 % preload) and the same query (lift +
# engine, 60 min, top 5 from a random day 0-13 and hour 8-16).
#
#   bench/peer_postgres.sh [BUILD_DIR]      (default build/)
#
# Installs Debian's postgresql if missing, starts a throwaway cluster on
# 127.0.0.1:55434, checks that both give the same first five distinct start
# times for a fixed query, then measures each and prints the ratio.
# PostgreSQL lists (start, bay, technician) pairs where the engine lists one
# option per start; the check compares distinct starts.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PEER=${PL_PEER_DIR:-../shared/bench/pg_booking_tuned}
SECONDS_PG=${PL_PEER_SECONDS:-10}
PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/pg_ctl" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
[ -x "$BUILD/bench/scheduling_bench" ] || { echo "build first: scripts/build.sh" >&2; exit 2; }

D=$(mktemp -d)
chown postgres "$D"
su postgres -c "$PGBIN/initdb -D $D/data -A trust >/dev/null"
su postgres -c "$PGBIN/pg_ctl -D $D/data -o '-k $D -p 55434 -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c timezone=UTC' -l $D/log start >/dev/null"
trap "su postgres -c '$PGBIN/pg_ctl -D $D/data stop -m fast' >/dev/null; rm -rf $D" EXIT
H="-h 127.0.0.1 -p 55434 -U postgres"
PSQL="$PGBIN/psql $H -X -q -v ON_ERROR_STOP=1"
$PSQL -f "$PEER/schema.sql" postgres >/dev/null
$PSQL -f "$PEER/preload.sql" postgres >/dev/null

echo "== agreement: first five distinct starts of lift/engine 60 min from 2026-12-05 13:00 UTC"
pg=$($PSQL -At -c "select extract(epoch from s)::bigint from (select distinct s from free_slots_fast('lift','engine','2026-12-05 13:00+00','60 min',300)) x order by s limit 5" postgres)
engine=$("$BUILD/bench/scheduling_bench" --peer-check)
echo "postgres: $(echo $pg)"
echo "engine:   $(echo $engine)"
if [ "$pg" != "$engine" ]; then
  echo "DISAGREE" >&2
  exit 1
fi
echo "agree"

echo "== PostgreSQL: tuned top-5 query, 1 client, ${SECONDS_PG} s"
out=$("$PGBIN/pgbench" $H -n -c 1 -j 1 -T "$SECONDS_PG" -f "$PEER/query.pgbench" postgres 2>&1)
echo "$out" | grep -E "latency average|tps"
pg_ms=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p')

echo "== engine: BM_RecommendSlotsPeerCalendar (in process, one core)"
json=$("$BUILD/bench/scheduling_bench" --benchmark_filter=BM_RecommendSlotsPeerCalendar --benchmark_format=json 2>/dev/null)
p50=$(echo "$json" | sed -n 's/.*"p50_ns": \([0-9.e+]*\).*/\1/p' | head -1)
p99=$(echo "$json" | sed -n 's/.*"p99_ns": \([0-9.e+]*\).*/\1/p' | head -1)
echo "engine p50 ${p50} ns, p99 ${p99} ns"
awk -v pg="$pg_ms" -v e="$p50" 'BEGIN { printf "ratio (PostgreSQL mean latency / engine p50): %.0fx\n", pg * 1e6 / e }'
