#!/usr/bin/env bash
# The benchmark, one command: bash bench/run.sh (about 45 minutes)
#
# Builds the jar if needed, installs wrk, PostgreSQL and nginx from Debian's packages if missing, then, in one
# run and one after the other, the same load for:
#
#   h2, postgresql        callhook on the embedded default (an H2 file database) and on PostgreSQL (a private
#                         server on 127.0.0.1:15432), every destination off: each event is read, routed by the
#                         routing table, stored with its three delivery rows (SKIPPED) and answered
#   h2-delivered,         the same, with the forward destination on (CALLHOOK_FORWARD_URL) pointed at a private
#   postgresql-delivered  nginx that answers 200 at once: every event also owes one unpaced HTTP send
#   floor                 the stack's floor: a Camel route on the same listener that only answers
#                         {"received":true} (bench/routes-floor)
#   express               the seed's Express handler (../shared/peers/express), the reference every ratio is to
#   n8n-sqlite,           n8n (npm package, BENCH_N8N_VERSION) with a workflow that does the same job: webhook →
#   n8n-postgresql        IF callSuccessful → PostgreSQL insert + HTTP request to the same nginx (bench/n8n);
#                         BENCH_N8N=0 leaves them out
#
# For each: start-up (through bin/callhook for callhook: the time to readiness UP), cold (the first 15 s of
# load right after start-up), sustained (continuous saturation from start-up on, BENCH_SUSTAIN s in all, the
# cold 15 s included, at BENCH_CONNECTIONS connections, no pause anywhere: intake = 2xx ÷ the load's time, and
# for a delivered run the deliveries recorded SENT ÷ the same time, then how long after the load the last one
# is SENT), p50/p99 at 32 connections after the cold part, right after 60 s at 4 connections (p50/p99 while
# delivery catches up alongside), once idle a 30 s burst, and the highest RSS. Then checks that the audit
# table holds a row for every 2xx (and, delivered, that every one is SENT). Every request carries a fresh
# delivery id (bench/webhook.lua); wrk runs as a second process; traffic goes to 127.0.0.1 only. Last, the
# latency from a POST to a Slack stub receiving its message (bench/e2e.py). Prints the table with the targets
# of issue 25 and writes bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SUSTAIN=${BENCH_SUSTAIN:-180}
DRAIN=${BENCH_DRAIN:-600}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
EXPRESS=${BENCH_EXPRESS:-$root/../shared/peers/express}
N8N=${BENCH_N8N:-1}
COLD=15
PG_PORT=15432
STUB_PORT=18099
EXPRESS_PORT=18070
work=$(mktemp -d)
express_pid=""
# the databases of a run take gigabytes: everything goes when the script ends, however it ends
trap 'pkill -f "server.port=$ADMIN_PORT" 2>/dev/null || true; [ -n "$express_pid" ] && kill "$express_pid" 2>/dev/null;
  n8n_stop; nginx_stop; pg_stop; rm -rf "$work"' EXIT

bench_prepare
[ -f "$EXPRESS/server.js" ] || { echo "No Express handler at $EXPRESS (BENCH_EXPRESS): it is the reference" >&2; exit 1; }
source bench/n8n/n8n.sh
nginx_start

acked_of() { echo $(( $(field "$1" requests) - $(field "$1" non2xx) )); }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
declare -A F # name.figure → value

# the load every system takes, in the same order; the caller has started it (APP_PID, READY_MS)
load() { # name, url, then a command that prints how many deliveries are SENT (or none)
  local name=$1 url=$2 sent_cmd=${3:-}
  local begin=$(date +%s%N)
  local cold=$(wrk_line "$CONNECTIONS" 2 "$COLD" "$url")
  local rest=$(wrk_line "$CONNECTIONS" 2 $((SUSTAIN - COLD)) "$url")
  local loaded=$(ms_since "$begin")
  local acked=$(( $(acked_of "$cold") + $(acked_of "$rest") ))
  F[$name.cold]=$(( $(acked_of "$cold") / COLD ))
  F[$name.intake]=$(( acked * 1000 / loaded ))
  F[$name.p32]="$(field "$rest" p50_ms) / $(field "$rest" p99_ms)"
  if [ -n "$sent_cmd" ]; then
    local sent=$($sent_cmd || echo 0)
    F[$name.delivered]=$(( ${sent:-0} * 1000 / loaded ))
    local drained=""
    for _ in $(seq 1 $((DRAIN * 4))); do
      sent=$($sent_cmd || echo 0)
      [ "${sent:-0}" -ge "$acked" ] && { drained=$(ms_since "$begin"); break; }
      sleep 0.25
    done
    F[$name.lag]=$([ -n "$drained" ] && echo "$(( (drained - loaded) / 100 ))" | sed 's/.$/.&/' || echo "not all SENT after $DRAIN")
  fi
  local light=$(wrk_line 4 1 60 "$url")
  F[$name.p4]="$(field "$light" p50_ms) / $(field "$light" p99_ms)"
  F[$name.rps4]=$(field "$light" rps)
  wait_idle
  local burst=$(wrk_line "$CONNECTIONS" 2 30 "$url")
  F[$name.burst]=$(field "$burst" rps | cut -d. -f1)
  F[$name.acked]=$(( acked + $(acked_of "$light") + $(acked_of "$burst") ))
}

callhook() { # name, path, then environment assignments
  local name=$1 path=$2; shift 2
  echo "callhook $name: start-up, ${SUSTAIN} s sustained, 60 s at 4 connections, a 30 s burst…"
  start_app "$work/$name" CALLHOOK_ADMIN_TOKEN=$BENCH_TOKEN "$@"
  F[$name.ready]=$READY_MS
  rss_sampler "$APP_PID" "$work/$name/rss.txt"
  local sent_cmd=""
  [[ $name == *delivered ]] && sent_cmd="sent forward"
  load "$name" "http://127.0.0.1:$PORT$path" "$sent_cmd"
  local all_sent=""
  if [ -n "$sent_cmd" ]; then
    # the light load's and the burst's deliveries are owed too: the check waits for them (DRAIN at most)
    for _ in $(seq 1 $((DRAIN * 4))); do
      all_sent=$(sent forward || echo 0)
      [ "${all_sent:-0}" -ge "${F[$name.acked]}" ] && break
      sleep 0.25
    done
  fi
  stop_app
  F[$name.rss]=$(rss_max "$work/$name/rss.txt")
  [ "$path" = /webhook ] || { F[$name.audit]="–"; return; }
  local rows
  if [[ $name == h2* ]]; then
    rows=$(java -cp "$(ls "$root"/target/app/lib/h2-*.jar)" org.h2.tools.Shell -url "jdbc:h2:file:$work/$name/data/callhook" \
      -user sa -password "" -sql "SELECT count(*) FROM call_audit" | sed -n '2p' | tr -d ' ')
  else
    rows=$(psql -c "'SELECT count(*) FROM call_audit'")
    psql -c "'TRUNCATE call_audit, call_delivery, delivery_attempt'" >/dev/null
  fi
  F[$name.audit]="${F[$name.acked]} answered 2xx, $rows rows$([ -n "$all_sent" ] && echo ", $all_sent SENT" || true):"
  F[$name.audit]+=" $([ "$rows" -ge "${F[$name.acked]}" ] && [ "${all_sent:-$rows}" -ge "${F[$name.acked]}" ] && echo ok || echo FAIL)"
}

pg_start
PG_ENV=(SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" SPRING_DATASOURCE_USERNAME=postgres
  SPRING_DATASOURCE_PASSWORD=)
FORWARD=(CALLHOOK_FORWARD_URL="http://127.0.0.1:$NGINX_PORT/forward" CALLHOOK_DELIVERY_CONSUMERS=${BENCH_CONSUMERS:-8})

callhook h2 /webhook
callhook h2-delivered /webhook "${FORWARD[@]}"
callhook postgresql /webhook "${PG_ENV[@]}"
callhook postgresql-delivered /webhook "${PG_ENV[@]}" "${FORWARD[@]}"
mkdir -p "$work/floor-routes" && cp -r routes/. "$work/floor-routes/" && cp bench/routes-floor/*.camel.yaml "$work/floor-routes/"
callhook floor /floor CALLHOOK_ROUTES_DIR="$work/floor-routes"

echo "Express (the reference), the same load…"
express_start
F[express.ready]=$EXPRESS_READY_MS
rss_sampler "$express_pid" "$work/express/rss.txt"
APP_PID=$express_pid load express "http://127.0.0.1:$EXPRESS_PORT/webhook"
kill "$express_pid"; wait "$express_pid" 2>/dev/null || true; express_pid=""
F[express.rss]=$(rss_max "$work/express/rss.txt")
F[express.audit]="(keeps nothing)"

systems=(h2 h2-delivered postgresql postgresql-delivered floor express)
if [ "$N8N" = 1 ] && n8n_prepare; then
  for mode in sqlite postgresql; do
    echo "n8n ($mode), the same load…"
    n8n_start "$mode"
    F[n8n-$mode.ready]=$N8N_READY_MS
    rss_sampler "$N8N_PID" "$work/n8n-$mode-rss.txt"
    APP_PID=$N8N_PID load "n8n-$mode" "$N8N_URL"
    F[n8n-$mode.rows]=$(n8n_rows "$mode")
    n8n_stop
    F[n8n-$mode.rss]=$(rss_max "$work/n8n-$mode-rss.txt")
    F[n8n-$mode.audit]="${F[n8n-$mode.acked]} answered 2xx, ${F[n8n-$mode.rows]} rows inserted"
    systems+=(n8n-$mode)
  done
fi

echo "End to end latency (H2, a Slack stub on loopback)…"
start_app "$work/e2e" CALLHOOK_SLACK_WEBHOOK_URL="http://127.0.0.1:$STUB_PORT/services/bench" CALLHOOK_SLACK_MIN_INTERVAL=10ms
python3 bench/e2e.py $STUB_PORT $PORT 200 20 src/main/resources/samples/call-ended-unknown-outcome.json >/dev/null # warm-up
e2e=$(python3 bench/e2e.py $STUB_PORT $PORT 300 10 src/main/resources/samples/call-ended-unknown-outcome.json | grep '^E2E')
stop_app

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else printf "–" }'; }
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN{ if (a == "–" || a == "") { printf "not measured"; exit }
  ok = (op == ">=") ? a + 0 >= b : a + 0 <= b; printf "%s", ok ? "met" : "NOT met" }'; }
x() { ratio "$1" "${F[express.intake]}"; }
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(java -version 2>&1 | head -1),"
  echo "PostgreSQL $("$PG_BIN"/postgres --version | awk '{print $3}'), Node $(node --version)$([ -n "${N8N_VERSION:-}" ] && echo ", n8n $N8N_VERSION"); wrk over loopback from a second process."
  echo "Each system from a cold start: ${SUSTAIN} s of continuous load at $CONNECTIONS connections, no pause before or in the window"
  echo "(sustained), at once 60 s at 4 connections, then, once idle, a 30 s burst at $CONNECTIONS connections."
  echo
  echo "| | sustained intake | × Express | sustained delivered | × Express | last SENT after the load | p50 / p99 at $CONNECTIONS conn. | p50 / p99 at 4 conn. | burst | cold (first ${COLD} s) | ready | RSS max | check |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for n in "${systems[@]}"; do
    echo "| $n | ${F[$n.intake]} req/s | $(x "${F[$n.intake]}")× | ${F[$n.delivered]:-–}$([ -n "${F[$n.delivered]:-}" ] && echo " SENT/s") | $([ -n "${F[$n.delivered]:-}" ] && x "${F[$n.delivered]}" || echo –)$([ -n "${F[$n.delivered]:-}" ] && echo ×) | ${F[$n.lag]:-–}$([ -n "${F[$n.lag]:-}" ] && echo " s") | ${F[$n.p32]} ms | ${F[$n.p4]} ms (${F[$n.rps4]} req/s) | ${F[$n.burst]} req/s | ${F[$n.cold]} req/s | ${F[$n.ready]} ms | ${F[$n.rss]} MB | ${F[$n.audit]} |"
  done
  echo
  echo "Targets (issue 25, ratios in this run):"
  for n in h2 postgresql; do
    want_intake=0.8 want_delivered=0.4; [ $n = postgresql ] && want_intake=0.7 want_delivered=0.35
    i=$(x "${F[$n.intake]}"); d=$(x "${F[$n-delivered.delivered]}"); lag=${F[$n-delivered.lag]}
    p4=$(echo "${F[$n-delivered.p4]}" | awk -F' / ' '{print $2}')
    floor=$(ratio "${F[$n.intake]}" "${F[floor.intake]}")
    n8n=$([ $n = h2 ] && ratio "${F[$n.intake]}" "${F[n8n-sqlite.intake]:-0}" || ratio "${F[$n.intake]}" "${F[n8n-postgresql.intake]:-0}")
    echo "- $n: sustained intake ${i}× Express (≥ ${want_intake}: $(verdict "$i" ">=" $want_intake)); sustained delivered ${d}×" \
      "(≥ ${want_delivered}: $(verdict "$d" ">=" $want_delivered)), last SENT ${lag} s after the load (≤ 10: $(verdict "$lag" "<=" 10));" \
      "intake ${floor}× the Camel floor (≥ 0.7: $(verdict "$floor" ">=" 0.7)); ${n8n}× n8n on the same database (≥ 5: $(verdict "$n8n" ">=" 5));" \
      "p99 at 4 conn. while delivering ${p4} ms (≤ 20: $(verdict "$p4" "<=" 20)); RSS ${F[$n-delivered.rss]} MB (≤ 400: $(verdict "${F[$n-delivered.rss]}" "<=" 400));" \
      "ready ${F[$n.ready]} ms (≤ 6000: $(verdict "${F[$n.ready]}" "<=" 6000))"
  done
  echo
  echo "End to end latency, from the POST to the Slack stub receiving the message (H2, after 200 warm-up calls,"
  echo "300 calls at 10/s, Slack pacing CALLHOOK_SLACK_MIN_INTERVAL=10ms): $e2e"
} | tee bench/results.md
