#!/usr/bin/env bash
# Every benchmark at its full size, one after the other, each between two `uptime` lines, with
# the machine described first: what bench/RESULTS.md's full runs are made of.
#
#   bench/run_all.sh 2>&1 | tee /tmp/bench-full.txt      # about 45 minutes on 2 cores
#   bench/run_all.sh delivery intake                     # only the named steps
#
# One million-ticket database (`<BENCH_DB_PREFIX>_full`, loaded by nearby.py) is kept for the
# steps that reuse one (nearby, tracking, intake) and dropped at the end; the other scripts load
# and drop their own. Run it on a quiet machine: the ratios survive a busy one, the absolute
# targets (milliseconds, SMS/s) do not.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export APP_ENV=${APP_ENV:-development}
FULL=${BENCH_DB_PREFIX:-conectados_bench}_full
SERVER=${DATABASE_URL%/*}
ONLY=" $* "

step() {
  local name=$1
  shift
  if [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $name "* ]]; then
    return
  fi
  echo
  echo "### $name: $*"
  echo "load before: $(uptime)"
  local started=$SECONDS
  "$@" || echo "(exit status $?)"
  echo "load after: $(uptime)  ($((SECONDS - started)) s)"
}

echo "## Machine"
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "memory: $(free -g | awk '/Mem:/ {print $2}') GB; $(python3 --version)"
psql "$DATABASE_URL" -Atc "SELECT version()" | cut -d, -f1
psql "$DATABASE_URL" -Atc \
  "SELECT 'shared_buffers ' || current_setting('shared_buffers') || ', work_mem ' \
   || current_setting('work_mem') || ', autovacuum ' || current_setting('autovacuum')"
redis-cli -u "$REDIS_URL" INFO server | grep -m1 redis_version
echo "git: $(git rev-parse --short HEAD)"

step dashboard $PY bench/dashboard.py --tickets 1000000 --repeat 5
step dashboard-busy $PY bench/dashboard.py --tickets 1000000 --days 30 --repeat 5
step queue $PY bench/queue_bench.py --tickets 1000000 --open 500000 --repeat 5
if psql "$SERVER/$FULL" -Atc "SELECT 1 FROM tickets LIMIT 1" >/dev/null 2>&1; then
  step nearby $PY bench/nearby.py --database "$FULL" --reuse
else
  step nearby $PY bench/nearby.py --database "$FULL"
fi
step http $PY bench/http_bench.py
step tracking $PY bench/http_bench.py --database-url "$SERVER/$FULL" --only tracking
step intake $PY bench/intake.py --count 100
step intake-1m $PY bench/intake.py --database-url "$SERVER/$FULL" --count 100
step sla $PY bench/sla_sweep.py
step retention $PY bench/retention.py
step embedded $PY bench/embedded.py
step delivery $PY bench/delivery_bench.py --count 1000 --workers 1 2 4 --no-forking
step delivery-ready $PY bench/delivery_bench.py --count 1000 --workers 1 2 4 --ready
step peer $PY bench/peer/run.py

if [ -z "${BENCH_KEEP_FULL:-}" ]; then  # BENCH_KEEP_FULL=1 keeps it for a later run of some steps
  psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS \"$FULL\" WITH (FORCE)"
fi
