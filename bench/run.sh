#!/usr/bin/env bash
# The intake benchmark, one command: bash bench/run.sh
#
# Builds the jar if needed, installs wrk and PostgreSQL from Debian's packages if missing, then for H2 (the
# embedded default) and for PostgreSQL: starts callhook through bin/callhook (the launch script), warms it
# up, drives POST /webhook from wrk in a second process on loopback (every request a fresh delivery id),
# and measures throughput at saturation, latency at a light load (4 senders), start-up time and resident
# memory, then checks that the audit table holds a row for every 2xx. Last, the end-to-end latency from a
# POST to a Slack stub receiving the message. Prints the figures and writes them to bench/results.md.
#
# Settings (environment): BENCH_WARMUP (s, default 120: the JIT needs it on 2 cores), BENCH_DURATION (s,
# default 30), BENCH_CONNECTIONS (saturation, default 32). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
WARMUP=${BENCH_WARMUP:-120}
DURATION=${BENCH_DURATION:-30}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PG_PORT=15432
STUB_PORT=18099
work=$(mktemp -d)
# the databases of a run take gigabytes: everything goes when the script ends, however it ends
trap 'pkill -f "server.port=$ADMIN_PORT" 2>/dev/null || true; [ -d "$work/pg" ] && su postgres -c "$PG_BIN/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1; rm -rf "$work"' EXIT

bench_prepare

results=()
measure() { # name dir env...
  local name=$1 dir=$2; shift 2
  start_app "$dir" "$@"
  local ready=$READY_MS
  local started=$(grep -a -o 'Started CallhookApplication in [0-9.]*' "$dir/app.log" | awk '{print $4}')
  local acked=0 line
  line=$(wrk_line "$CONNECTIONS" 2 "$WARMUP"); acked=$(( acked + $(field "$line" requests) - $(field "$line" non2xx) ))
  # a light load is measured on a service that has caught up with the burst before it (dispatch of the
  # warm-up's events), not while it still works through them
  wait_idle
  local light=$(wrk_line 4 1 "$DURATION")
  acked=$(( acked + $(field "$light" requests) - $(field "$light" non2xx) ))
  wait_idle
  # resident memory under load: the highest of one sample a second during the saturation run
  local rss=0
  (for _ in $(seq 1 "$DURATION"); do ps -o rss= -p "$APP_PID"; sleep 1; done > "$dir/rss.txt") &
  local sampler=$!
  local saturation=$(wrk_line "$CONNECTIONS" 2 "$DURATION")
  wait $sampler || true
  rss=$(sort -n "$dir/rss.txt" | tail -1)
  acked=$(( acked + $(field "$saturation" requests) - $(field "$saturation" non2xx) ))
  stop_app
  local rows
  if [ "$name" = h2 ]; then
    rows=$(java -cp "$(ls "$root"/target/app/lib/h2-*.jar)" org.h2.tools.Shell -url "jdbc:h2:file:$dir/data/callhook" \
      -user sa -password "" -sql "SELECT count(*) FROM call_audit" | sed -n '2p' | tr -d ' ')
  else
    rows=$(su postgres -c "$PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -At -c 'SELECT count(*) FROM call_audit'")
  fi
  local check="FAIL"; [ "$rows" -ge "$acked" ] && check="ok"
  results+=("| $name | $(field "$saturation" rps) req/s (p99 $(field "$saturation" p99_ms) ms, $CONNECTIONS conn.) | $(field "$light" p50_ms) / $(field "$light" p99_ms) ms ($(field "$light" rps) req/s) | ${started} s (ready ${ready} ms) | $(( rss / 1024 )) MB | $acked answered 2xx, $rows rows: $check |")
}

echo "H2 (the embedded default)…"
measure h2 "$work/h2"

echo "PostgreSQL…"
mkdir -p "$work/pg" && chown postgres "$work" "$work/pg"
su postgres -c "$PG_BIN/initdb -D $work/pg -A trust -U postgres" >/dev/null
su postgres -c "$PG_BIN/pg_ctl -D $work/pg -o '-p $PG_PORT -k $work -c listen_addresses=127.0.0.1' -l $work/pg.log -w start" >/dev/null
measure postgresql "$work/postgresql" SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  SPRING_DATASOURCE_USERNAME=postgres SPRING_DATASOURCE_PASSWORD=

echo "End to end (H2, a Slack stub on loopback)…"
start_app "$work/e2e" CALLHOOK_SLACK_WEBHOOK_URL="http://127.0.0.1:$STUB_PORT/services/bench" CALLHOOK_SLACK_MIN_INTERVAL=10ms
python3 bench/e2e.py $STUB_PORT $PORT 200 20 src/main/resources/samples/call-ended-unknown-outcome.json >/dev/null # warm-up
e2e=$(python3 bench/e2e.py $STUB_PORT $PORT 300 10 src/main/resources/samples/call-ended-unknown-outcome.json | grep '^E2E')
stop_app

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(java -version 2>&1 | head -1),"
  echo "wrk on the same machine over loopback; warm-up ${WARMUP} s at $CONNECTIONS connections, then ${DURATION} s per figure."
  echo
  echo "| database | throughput at saturation | p50 / p99 at 4 senders | start-up | RSS under load | audit check |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${results[@]}"
  echo
  echo "End to end, from the POST to the Slack stub receiving the message (after 200 warm-up calls, 300 calls at"
  echo "10/s, Slack pacing CALLHOOK_SLACK_MIN_INTERVAL=10ms): $e2e"
} | tee bench/results.md
