#!/usr/bin/env bash
# The Kafka hand-off benchmark, one command: bash bench/kafka.sh
#
# Sustained load on PostgreSQL (a private server on 127.0.0.1:15432) through bin/callhook, in one run:
#   in-process  one instance, the default hand-off (seda:)
#   kafka-1     one instance, CALLHOOK_DISPATCH_URI=kafka:… (a KRaft broker on loopback, 4 partitions)
#   kafka-2     two instances on the same database and broker, the load split between them
# and the seed's Express handler (../shared/peers/express) as the reference for intake.
#
# Each mode starts on a fresh database, cold, and takes continuous saturation (32 connections in all) for
# BENCH_SUSTAIN seconds (default 120) with no pause before the window. Figures: intake = events answered
# 2xx ÷ the load's duration; end to end = the same events ÷ the time from the load's start until the last
# of them has been through the routing table (dispatch_outbox empty; waited for at most BENCH_DRAIN s,
# default 300). Then the audit check: a row for every 2xx. Traffic goes to 127.0.0.1 only. Prints a table
# and writes bench/kafka-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SUSTAIN=${BENCH_SUSTAIN:-120}
DRAIN=${BENCH_DRAIN:-300}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
EXPRESS=${BENCH_EXPRESS:-$root/../shared/peers/express}
PG_PORT=15432
EXPRESS_PORT=18070
work=$(mktemp -d)
broker_pid=""
express_pid=""
trap 'pkill -f "server.port=1808" 2>/dev/null || true; pkill -f "server.port=1809" 2>/dev/null || true;
  [ -n "$broker_pid" ] && { kill "$broker_pid" && wait "$broker_pid"; } 2>/dev/null || true; [ -n "$express_pid" ] && kill "$express_pid" 2>/dev/null;
  pg_stop; rm -rf "$work"' EXIT

bench_prepare

echo "PostgreSQL…"
pg_start

echo "Kafka (one KRaft node from Maven Central's kafka_2.13, the tests' own broker)…"
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/kafka.classpath" >/dev/null
KAFKA_PORT=19092
cat > "$work/kafka.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:19093
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:19093
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$work/kafka-data
num.partitions=4
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
kafka_java() { java -Xmx512m -cp "$(cat "$work/kafka.classpath")" "$@"; }
kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
  -c "$work/kafka.properties" > "$work/kafka.log" 2>&1
kafka_java kafka.Kafka "$work/kafka.properties" >> "$work/kafka.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$KAFKA_PORT) 2>/dev/null && break; sleep 0.2; done

results=()
sustain() { # name, number of instances, environment...
  local name=$1 instances=$2; shift 2
  psql -c "'DROP DATABASE IF EXISTS bench'" >/dev/null
  psql -c "'CREATE DATABASE bench'" >/dev/null
  local db=(SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/bench" SPRING_DATASOURCE_USERNAME=postgres
    SPRING_DATASOURCE_PASSWORD=)
  local pids=() ports=() i
  for i in $(seq 1 "$instances"); do
    PORT=$((18080 + 10 * (i - 1))) ADMIN_PORT=$((18081 + 10 * (i - 1)))
    start_app "$work/$name-$i" "${db[@]}" "$@"
    pids+=("$APP_PID") ports+=("$PORT")
  done
  echo "  $name: $instances instance(s) ready, ${SUSTAIN} s of load…"
  local begin=$(date +%s%N) per=$((CONNECTIONS / instances)) out=()
  for i in $(seq 0 $((instances - 1))); do
    wrk -t2 -c"$per" -d"${SUSTAIN}s" -s bench/webhook.lua "http://127.0.0.1:${ports[$i]}/webhook" -- "$name$i" \
      | grep '^BENCH' > "$work/$name-wrk-$i.txt" &
    out+=($!)
  done
  wait "${out[@]}"
  local loaded=$(( ($(date +%s%N) - begin) / 1000000 ))
  local owed=1 drained=0
  for _ in $(seq 1 $((DRAIN * 2))); do
    owed=$(psql -d bench -c "'SELECT count(*) FROM dispatch_outbox'")
    [ "$owed" = 0 ] && break
    sleep 0.5
  done
  drained=$(( ($(date +%s%N) - begin) / 1000000 ))
  local acked=0 p99=0 line
  for i in $(seq 0 $((instances - 1))); do
    line=$(cat "$work/$name-wrk-$i.txt")
    acked=$(( acked + $(field "$line" requests) - $(field "$line" non2xx) ))
    p99=$(echo "$p99 $(field "$line" p99_ms)" | awk '{print ($2 > $1) ? $2 : $1}')
  done
  for pid in "${pids[@]}"; do APP_PID=$pid stop_app; done
  local rows=$(psql -d bench -c "'SELECT count(*) FROM call_audit'")
  local check="FAIL"; [ "$rows" -ge "$acked" ] && check="ok"
  local intake=$(( acked * 1000 / loaded ))
  local e2e="not caught up ($owed owed after ${DRAIN} s)"
  [ "$owed" = 0 ] && e2e="$(( acked * 1000 / drained )) events/s (all through dispatch $(( (drained - loaded) / 1000 )) s after the load)"
  INTAKE[$name]=$intake
  results+=("| $name | $intake req/s | RATIO_$name | p99 $p99 ms | $e2e | $acked answered 2xx, $rows rows: $check |")
}

declare -A INTAKE
sustain in-process 1
kafka_uri="kafka:callhook-dispatch?brokers=127.0.0.1:$KAFKA_PORT&groupId=callhook&consumersCount=2"
# the topic is created by its first client, with the broker's num.partitions (4)
sustain kafka-1 1 CALLHOOK_DISPATCH_URI="$kafka_uri"
sustain kafka-2 2 CALLHOOK_DISPATCH_URI="$kafka_uri"

express="not measured (no $EXPRESS)"
express_rps=0
if [ -f "$EXPRESS/server.js" ]; then
  echo "  Express (the reference)…"
  express_start
  line=$(wrk -t2 -c"$CONNECTIONS" -d"${SUSTAIN}s" -s bench/webhook.lua "http://127.0.0.1:$EXPRESS_PORT/webhook" | grep '^BENCH')
  kill "$express_pid"; express_pid=""
  express_rps=$(field "$line" rps | cut -d. -f1)
  express="$express_rps req/s (p99 $(field "$line" p99_ms) ms)"
fi

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(java -version 2>&1 | head -1),"
  echo "PostgreSQL $($PG_BIN/postgres --version | awk '{print $3}') and one Kafka node on the same machine; wrk over loopback, $CONNECTIONS connections"
  echo "in all (split evenly over the instances), ${SUSTAIN} s of continuous load from a cold start, no pause before the window."
  echo
  echo "| hand-off | intake (sustained) | × Express | intake p99 | end to end (sustained) | audit check |"
  echo "|---|---|---|---|---|---|"
  for row in "${results[@]}"; do
    name=$(echo "$row" | awk -F'|' '{print $2}' | xargs)
    ratio="–"
    [ "$express_rps" -gt 0 ] && ratio=$(awk -v a="${INTAKE[$name]}" -v b="$express_rps" 'BEGIN{printf "%.2f×", a/b}')
    echo "${row/RATIO_$name/$ratio}"
  done
  echo
  echo "Express reference (../shared/peers/express, ${SUSTAIN} s at $CONNECTIONS connections, same run): $express"
} | tee bench/kafka-results.md
