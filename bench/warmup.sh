#!/usr/bin/env bash
# How fast a new instance warms up, under JVM settings to choose from (issue 16, item 4).
# One command: bash bench/warmup.sh   (about 3 minutes a variant; writes bench/warmup-results.md)
#
# Each variant is bin/callhook's JAVA_OPTS with some flags added (BENCH_WARMUP_VARIANTS, "label=flags"
# separated by ';', "default" for none), on H2 from an empty data folder, its CDS archive as always:
#   ready      the time until readiness is UP
#   cold       the first 15 s of load right after (32 connections): intake rate
#   settled    continuous load from there, the same 32 connections: intake rate in the last 15 s of
#              BENCH_WARMUP_WINDOW s (default 120, cold included), once the JIT has settled
#   RSS        the highest resident memory over the run
# cold ÷ settled is the penalty a new instance behind a load balancer pays. Dispatch runs alongside, as in
# service. The variants one after the other, twice (BENCH_WARMUP_ROUNDS), so a drift of the shared machine
# hits all of them. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
WINDOW=${BENCH_WARMUP_WINDOW:-120}
ROUNDS=${BENCH_WARMUP_ROUNDS:-2}
VARIANTS=${BENCH_WARMUP_VARIANTS:-default=;scaling-0.5=-XX:CompileThresholdScaling=0.5;scaling-0.3=-XX:CompileThresholdScaling=0.3}
COLD=15
work=$(mktemp -d)
trap 'pkill -f "server.port=$ADMIN_PORT" 2>/dev/null || true; rm -rf "$work"' EXIT

bench_prepare
# the variants add to what runs in production
base=$(callhook_java_opts)

rows=()
IFS=';' read -r -a variants <<< "$VARIANTS"
for round in $(seq 1 "$ROUNDS"); do
  for v in "${variants[@]}"; do
    label=${v%%=*} flags=${v#*=}
    echo "round $round, $label ($flags): start-up, ${COLD} s cold, load until ${WINDOW} s…"
    dir="$work/$label-$round"
    start_app "$dir" JAVA_OPTS="$base $flags"
    rss_sampler "$APP_PID" "$dir/rss.txt"
    cold=$(wrk_line 32 2 "$COLD")
    wrk_line 32 2 $((WINDOW - 2 * COLD)) >/dev/null
    settled=$(wrk_line 32 2 "$COLD")
    stop_app
    c=$(field "$cold" rps | cut -d. -f1) s=$(field "$settled" rps | cut -d. -f1)
    rows+=("| $label | \`${flags:-(none)}\` | $round | $READY_MS ms | $c req/s | $s req/s | $(awk -v a="$c" -v b="$s" 'BEGIN{printf "%.2f", a/b}') | $(rss_max "$dir/rss.txt") MB |")
    rm -rf "$dir"
  done
done

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(java -version 2>&1 | head -1),"
  echo "by \`bash bench/warmup.sh\`: callhook on H2 through bin/callhook (its JAVA_OPTS plus the flags given, its CDS archive),"
  echo "from an empty data folder; 32 connections of wrk over loopback from the start-up on, no pause, for ${WINDOW} s."
  echo
  echo "| variant | flags added | round | ready | cold (first ${COLD} s) | settled (last ${COLD} s) | cold ÷ settled | RSS max |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee bench/warmup-results.md
