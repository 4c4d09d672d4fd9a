#!/usr/bin/env bash
# The benchmark, one command: bash bench/run.sh (about 35 minutes: PostgreSQL's dispatch needs minutes to catch up)
#
# Builds the jar if needed, installs wrk and PostgreSQL from Debian's packages if missing, then, in one run,
# for callhook on H2 (the embedded default), callhook on PostgreSQL (a private server on 127.0.0.1:15432)
# and the seed's Express handler (../shared/peers/express, the reference every ratio is to):
#
#   start-up     callhook through bin/callhook (the launch script): the time it reports and the time until
#                readiness is UP; Express: until its port answers
#   cold         the first 15 s of load right after start-up (32 connections): intake rate
#   sustained    continuous saturation from start-up on, BENCH_SUSTAIN s in all (default 180, the cold 15 s
#                included), no pause anywhere: intake rate, p50/p99 at 32 connections (after the cold
#                part), and the end-to-end rate: the events answered 2xx ÷ the time from the load's start
#                until the last of them has been through the routing table (its channel rows recorded)
#   4 conn.      right after, 60 s of continuous load at 4 connections: p50/p99 (dispatch runs alongside)
#   burst        once the service has caught up and is idle, 30 s at 32 connections: how big a burst intake
#                absorbs, not a rate it keeps up with
#   RSS          the highest resident memory, sampled once a second over the whole run of the service
#
# then checks that the audit table holds a row for every 2xx. Last, the latency from a POST to a Slack stub
# receiving the message (bench/e2e.py). Every request carries a fresh delivery id (bench/webhook.lua); wrk
# runs as a second process; traffic goes to 127.0.0.1 only. Prints the table and writes bench/results.md.
#
# Settings (environment): BENCH_SUSTAIN (s, default 180), BENCH_DRAIN (s the end to end may take after the
# load, default 600), BENCH_CONNECTIONS (default 32), BENCH_EXPRESS (the Express handler's folder).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SUSTAIN=${BENCH_SUSTAIN:-180}
DRAIN=${BENCH_DRAIN:-600}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
EXPRESS=${BENCH_EXPRESS:-$root/../shared/peers/express}
COLD=15
PG_PORT=15432
STUB_PORT=18099
EXPRESS_PORT=18070
work=$(mktemp -d)
express_pid=""
# the databases of a run take gigabytes: everything goes when the script ends, however it ends
trap 'pkill -f "server.port=$ADMIN_PORT" 2>/dev/null || true; [ -n "$express_pid" ] && kill "$express_pid" 2>/dev/null;
  pg_stop; rm -rf "$work"' EXIT

bench_prepare
[ -f "$EXPRESS/server.js" ] || { echo "No Express handler at $EXPRESS (BENCH_EXPRESS): it is the reference" >&2; exit 1; }

acked_of() { echo $(( $(field "$1" requests) - $(field "$1" non2xx) )); }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
declare -A F # name.figure → value

# the load every system takes, in the same order; the caller has started it (APP_PID, READY_MS, PORT)
load() { # name, then a command that prints how many events have been through the routing table (or none)
  local name=$1 routed_cmd=$2
  local begin=$(date +%s%N)
  local cold=$(wrk_line "$CONNECTIONS" 2 "$COLD")
  local rest=$(wrk_line "$CONNECTIONS" 2 $((SUSTAIN - COLD)))
  local loaded=$(ms_since "$begin")
  local acked=$(( $(acked_of "$cold") + $(acked_of "$rest") ))
  local drained=$loaded through=$acked
  if [ -n "$routed_cmd" ]; then
    for _ in $(seq 1 $((DRAIN * 4))); do
      through=$($routed_cmd || echo 0)
      [ "${through:-0}" -ge "$acked" ] && break
      sleep 0.25
    done
    drained=$(ms_since "$begin")
  fi
  F[$name.cold]=$(( $(acked_of "$cold") / COLD ))
  F[$name.intake]=$(( acked * 1000 / loaded ))
  F[$name.p32]="$(field "$rest" p50_ms) / $(field "$rest" p99_ms)"
  if [ "${through:-0}" -ge "$acked" ]; then
    F[$name.e2e]=$(( acked * 1000 / drained ))
    F[$name.lag]=$(( (drained - loaded) / 1000 ))
  else
    F[$name.e2e]=0
    F[$name.lag]="not caught up after $DRAIN"
  fi
  local light=$(wrk_line 4 1 60)
  F[$name.p4]="$(field "$light" p50_ms) / $(field "$light" p99_ms)"
  F[$name.rps4]=$(field "$light" rps)
  wait_idle
  local burst=$(wrk_line "$CONNECTIONS" 2 30)
  F[$name.burst]=$(field "$burst" rps | cut -d. -f1)
  F[$name.burstp99]=$(field "$burst" p99_ms)
  F[$name.acked]=$(( acked + $(acked_of "$light") + $(acked_of "$burst") ))
}

callhook() { # name, then environment assignments
  local name=$1; shift
  echo "callhook on $name: start-up, ${SUSTAIN} s sustained, 60 s at 4 connections, a 30 s burst…"
  start_app "$work/$name" CALLHOOK_ADMIN_TOKEN=$BENCH_TOKEN "$@"
  F[$name.ready]=$READY_MS
  F[$name.started]=$(grep -a -o 'Started CallhookApplication in [0-9.]*' "$work/$name/app.log" | awk '{print $4}')
  rss_sampler "$APP_PID" "$work/$name/rss.txt"
  load "$name" routed
  stop_app
  F[$name.rss]=$(rss_max "$work/$name/rss.txt")
  local rows
  if [ "$name" = h2 ]; then
    rows=$(java -cp "$(ls "$root"/target/app/lib/h2-*.jar)" org.h2.tools.Shell -url "jdbc:h2:file:$work/$name/data/callhook" \
      -user sa -password "" -sql "SELECT count(*) FROM call_audit" | sed -n '2p' | tr -d ' ')
  else
    rows=$(psql -c "'SELECT count(*) FROM call_audit'")
  fi
  F[$name.audit]="${F[$name.acked]} answered 2xx, $rows rows: $([ "$rows" -ge "${F[$name.acked]}" ] && echo ok || echo FAIL)"
}

callhook h2

pg_start
callhook postgresql SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  SPRING_DATASOURCE_USERNAME=postgres SPRING_DATASOURCE_PASSWORD=

echo "Express (the reference), the same load…"
express_start
F[express.ready]=$EXPRESS_READY_MS
F[express.started]="–"
rss_sampler "$express_pid" "$work/express/rss.txt"
APP_PID=$express_pid PORT=$EXPRESS_PORT load express ""
kill "$express_pid"; wait "$express_pid" 2>/dev/null || true; express_pid=""
F[express.rss]=$(rss_max "$work/express/rss.txt")
F[express.audit]="(keeps nothing)"
F[express.lag]=0

echo "End to end latency (H2, a Slack stub on loopback)…"
start_app "$work/e2e" CALLHOOK_SLACK_WEBHOOK_URL="http://127.0.0.1:$STUB_PORT/services/bench" CALLHOOK_SLACK_MIN_INTERVAL=10ms
python3 bench/e2e.py $STUB_PORT $PORT 200 20 src/main/resources/samples/call-ended-unknown-outcome.json >/dev/null # warm-up
e2e=$(python3 bench/e2e.py $STUB_PORT $PORT 300 10 src/main/resources/samples/call-ended-unknown-outcome.json | grep '^E2E')
stop_app

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else printf "–" }'; }
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN{ ok = (op == ">=") ? a >= b : a <= b; printf "%s", ok ? "met" : "NOT met" }'; }
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(java -version 2>&1 | head -1),"
  echo "PostgreSQL $("$PG_BIN"/postgres --version | awk '{print $3}'), Node $(node --version); wrk over loopback from a second process."
  echo "Each system from a cold start: ${SUSTAIN} s of continuous load at $CONNECTIONS connections, no pause before or in the window"
  echo "(sustained), at once 60 s at 4 connections, then, once idle, a 30 s burst at $CONNECTIONS connections."
  echo
  echo "| | sustained end to end | × Express | sustained intake | p50 / p99 at $CONNECTIONS conn. | p50 / p99 at 4 conn. | burst intake | × Express | cold (first ${COLD} s) | cold ÷ burst | start-up | RSS max | audit check |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for n in h2 postgresql express; do
    echo "| $n | ${F[$n.e2e]} events/s (+${F[$n.lag]} s after the load) | $(ratio "${F[$n.e2e]}" "${F[express.e2e]}")× | ${F[$n.intake]} req/s | ${F[$n.p32]} ms | ${F[$n.p4]} ms (${F[$n.rps4]} req/s) | ${F[$n.burst]} req/s (p99 ${F[$n.burstp99]} ms) | $(ratio "${F[$n.burst]}" "${F[express.burst]}")× | ${F[$n.cold]} req/s | $(ratio "${F[$n.cold]}" "${F[$n.burst]}") | ${F[$n.started]} s (ready ${F[$n.ready]} ms) | ${F[$n.rss]} MB | ${F[$n.audit]} |"
  done
  echo
  echo "Targets (issue 16):"
  for n in h2 postgresql; do
    want_e2e=1.5 want_burst=2.0; [ $n = postgresql ] && want_e2e=1.0 want_burst=1.5
    e=$(ratio "${F[$n.e2e]}" "${F[express.e2e]}"); b=$(ratio "${F[$n.burst]}" "${F[express.burst]}")
    c=$(ratio "${F[$n.cold]}" "${F[$n.burst]}"); p4=$(echo "${F[$n.p4]}" | awk -F' / ' '{print $2}')
    echo "- $n: sustained end to end ${e}× (≥ ${want_e2e}×: $(verdict "$e" ">=" $want_e2e)); burst ${b}× (≥ ${want_burst}×: $(verdict "$b" ">=" $want_burst));" \
      "p99 at 4 conn. ${p4} ms (≤ 20: $(verdict "$p4" "<=" 20)); RSS ${F[$n.rss]} MB (≤ 400: $(verdict "${F[$n.rss]}" "<=" 400));" \
      "ready ${F[$n.ready]} ms (≤ 3000: $(verdict "${F[$n.ready]}" "<=" 3000)); cold ${c} of the burst rate (≥ 0.5: $(verdict "$c" ">=" 0.5))"
  done
  echo
  echo "End to end latency, from the POST to the Slack stub receiving the message (H2, after 200 warm-up calls,"
  echo "300 calls at 10/s, Slack pacing CALLHOOK_SLACK_MIN_INTERVAL=10ms): $e2e"
} | tee bench/results.md
