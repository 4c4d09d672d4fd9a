#!/usr/bin/env bash
# The console on a large table, one command: bash bench/console.sh
#
# Starts a private PostgreSQL (Debian's, on 127.0.0.1:15432) and callhook on it through bin/callhook (its
# migrations create the tables and the console's indexes), fills it with 1,000,000 events over 29 days (inside the 30 days retention keeps) and
# their 3,000,000 channel rows (one Slack delivery in 47 FAILED), signs in to the console like a browser
# (session cookie and CSRF token) and times each kind of search and page: 2 requests to warm up, then
# BENCH_REPEAT (default 15) timed ones each, the median and the slowest. Each time is curl's total time
# for the whole page (query, rendering, transfer) on loopback. Writes bench/console-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
EVENTS=${BENCH_EVENTS:-1000000}
REPEAT=${BENCH_REPEAT:-15}
PG_PORT=15432
TOKEN=bench-console-token-0123456789
work=$(mktemp -d)

trap 'pkill -f "server.port=$ADMIN_PORT" 2>/dev/null || true; pg_stop; rm -rf "$work"' EXIT

bench_prepare
pg_start
psql() { "$PG_BIN/psql" -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"; }

start_app "$work/app" SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  SPRING_DATASOURCE_USERNAME=postgres SPRING_DATASOURCE_PASSWORD= CALLHOOK_ADMIN_TOKEN=$TOKEN
echo "Filling PostgreSQL with $EVENTS events and their deliveries…"
fill_begin=$(date +%s)
psql <<SQL
INSERT INTO call_audit (delivery_id, event, received_at, occurred_at, call_id, organization_id, agent_id, agent_name,
  customer_name, customer_phone, from_number, direction, status, duration_seconds, disconnection_reason, sentiment,
  summary, transcript, call_successful, token_cost, payload)
SELECT 'bench-' || g,
  CASE WHEN g % 10 = 0 THEN 'call.started' ELSE 'call.ended' END,
  now() - (g * (interval '29 days' / $EVENTS)), now() - (g * (interval '29 days' / $EVENTS)),
  'call-' || g, 'org-1', 'agent-' || (g % 40),
  (ARRAY['Sales Agent','Support Agent','Booking Agent','Renewals Agent'])[1 + g % 4] || ' ' || (g % 40),
  (ARRAY['Jane','John','Mary','Ahmed','Li','Olga','Pedro','Aisha','Tom','Nina'])[1 + g % 10] || ' '
    || (ARRAY['Roe','Doe','Smith','Khan','Wei','Ivanova','Garcia','Bello','Brown','Berg'])[1 + (g / 10) % 10] || ' '
    || (g % 997),
  '+1555' || lpad((g % 10000000)::text, 7, '0'), '+1444' || lpad(((g * 7) % 10000000)::text, 7, '0'),
  'OUTBOUND', 'ended', g % 600,
  (ARRAY['agent_hangup','customer_hangup','voicemail','no_answer'])[1 + g % 4],
  (ARRAY['positive','neutral','negative'])[1 + g % 3],
  'The customer asked about order ' || g, repeat('Agent: hello. Customer: hi, about my order. ', 12),
  CASE WHEN g % 5 = 0 THEN false WHEN g % 7 = 0 THEN NULL ELSE true END, 12.5,
  '{"id":"bench-' || g || '","event":"call.ended","data":{}}'
FROM generate_series(1, $EVENTS) g;
INSERT INTO call_delivery (delivery_id, channel, status, attempts, last_error, created_at, updated_at)
SELECT delivery_id, 'slack', CASE WHEN substr(delivery_id, 7)::int % 47 = 0 THEN 'FAILED' ELSE 'SENT' END, 1,
  CASE WHEN substr(delivery_id, 7)::int % 47 = 0 THEN 'HTTP 404 from slack: no_service' END, received_at, received_at
FROM call_audit WHERE delivery_id LIKE 'bench-%';
INSERT INTO call_delivery (delivery_id, channel, status, attempts, created_at, updated_at)
SELECT delivery_id, 'email', 'SENT', 1, received_at, received_at FROM call_audit WHERE delivery_id LIKE 'bench-%';
INSERT INTO call_delivery (delivery_id, channel, status, attempts, last_error, created_at, updated_at)
SELECT delivery_id, 'forward', 'SKIPPED', 0, 'forward is off', received_at, received_at
FROM call_audit WHERE delivery_id LIKE 'bench-%';
VACUUM ANALYZE;
SQL
fill_s=$(( $(date +%s) - fill_begin ))
size=$(psql -At -c "SELECT pg_size_pretty(pg_database_size('postgres'))")

# sign in as a browser does: the form's CSRF token, then the token posted; the session cookie in a jar
base="http://127.0.0.1:$ADMIN_PORT/console"
jar="$work/cookies"
csrf=$(curl -s -c "$jar" -b "$jar" "$base/sign-in" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "user=admin" --data-urlencode "token=$TOKEN" \
  --data-urlencode "_csrf=$csrf" "$base/sign-in"
[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$base/events")" = 200 ] || { echo "sign-in failed"; exit 1; }

older=$(curl -s -b "$jar" "$base/events" | grep -o 'href="/console/events?[^"]*beforeTime[^"]*"' | head -1 \
  | sed 's/^href="//; s/"$//; s/&amp;/\&/g')
day_from=$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M)
day_to=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M)
queries=(
  "first page, newest 50|/events"
  "next page (keyset)|${older#/console}"
  "customer name, any part (\"jane roe 42\")|/events?customer=jane%20roe%2042"
  "customer name, one word (\"garcia\")|/events?customer=garcia"
  "phone number, any part|/events?phone=5550424"
  "agent, any part (\"support agent 5\")|/events?agent=support%20agent%205"
  "call id|/events?callId=call-424242"
  "delivery id|/events?deliveryId=bench-424242"
  "event type (call.started)|/events?event=call.started"
  "outcome unsuccessful|/events?outcome=unsuccessful"
  "channel slack + status FAILED|/events?channel=slack&status=FAILED"
  "customer + status FAILED|/events?customer=khan&status=FAILED"
  "customer name, no match|/events?customer=nobody%20by%20this%20name"
  "time range (one day, 3 days ago)|/events?from=$day_from&to=$day_to"
  "one event|/events/bench-424242"
  "dashboard figures, 24 h (counted within 30 s)|/dashboard.json?period=24h"
  "dashboard figures, 7 days (counted within 30 s)|/dashboard.json?period=7d"
)
rows=()
for entry in "${queries[@]}"; do
  name=${entry%%|*}
  path=${entry#*|}
  for _ in 1 2; do curl -s -o /dev/null -b "$jar" "$base$path"; done
  times=()
  for _ in $(seq 1 "$REPEAT"); do
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -b "$jar" "$base$path")
    [ "${out%% *}" = 200 ] || { echo "$name: HTTP ${out%% *}"; exit 1; }
    times+=("${out#* }")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | awk -v n="$REPEAT" 'NR == int((n + 1) / 2) { printf "%.0f", $1 * 1000 }')
  worst=$(echo "$sorted" | tail -1 | awk '{ printf "%.0f", $1 * 1000 }')
  rows+=("| $name | $median | $worst |")
  echo "$name: median $median ms, slowest $worst ms"
done
# the dashboard's sums when they are counted (its figures are kept 30 s): three times each, 31 s apart
for period in 24h 7d; do
  times=()
  for _ in 1 2 3; do
    sleep 31
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -b "$jar" "$base/dashboard.json?period=$period")")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | awk 'NR == 2 { printf "%.0f", $1 * 1000 }')
  worst=$(echo "$sorted" | tail -1 | awk '{ printf "%.0f", $1 * 1000 }')
  rows+=("| dashboard figures, $period, counted afresh (3 times) | $median | $worst |")
  echo "dashboard $period counted afresh: median $median ms, slowest $worst ms"
done
stop_app

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "$(java -version 2>&1 | head -1), PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (Debian's, default settings):"
  echo "$EVENTS events over 29 days with 3 channel rows each ($size on disk, filled in ${fill_s} s); the console"
  echo "signed in, each page $REPEAT times after 2 warm-ups, curl's total time on loopback (query, rendering, transfer)."
  echo
  echo "| page | median ms | slowest ms |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee bench/console-results.md
