#!/usr/bin/env bash
# What forcing the H2 audit journal to the device once per group commit costs (CALLHOOK_AUDIT_FSYNC=true,
# which survives a power cut; the default survives a killed process). One command: bash bench/fsync.sh
#
# For each setting, twice and interleaved (off, on, off, on) so that a drift of the shared machine hits both:
# callhook on a fresh H2 file through bin/callhook, a warm-up at 32 connections (BENCH_WARMUP, default 90 s),
# then 30 s (BENCH_DURATION) at 32 connections and 30 s at 4. Prints a table and writes bench/fsync-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
WARMUP=${BENCH_WARMUP:-90}
DURATION=${BENCH_DURATION:-30}
work=$(mktemp -d)
trap 'pkill -f "server.port=$ADMIN_PORT" 2>/dev/null || true; rm -rf "$work"' EXIT
bench_prepare

rows=()
n=0
for fsync in false true false true; do
  n=$((n + 1))
  start_app "$work/$n" CALLHOOK_AUDIT_FSYNC=$fsync
  wrk_line 32 2 "$WARMUP" >/dev/null
  wait_idle
  saturation=$(wrk_line 32 2 "$DURATION")
  wait_idle
  light=$(wrk_line 4 1 "$DURATION")
  stop_app
  rows+=("| $fsync | $(field "$saturation" rps) req/s, p99 $(field "$saturation" p99_ms) ms | $(field "$light" rps) req/s, p50 $(field "$light" p50_ms) / p99 $(field "$light" p99_ms) ms |")
done

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, H2 through bin/callhook, wrk over loopback; warm-up ${WARMUP} s,"
  echo "then ${DURATION} s per figure (burst figures: measured once dispatch had caught up). A synchronous 4 KB write on"
  echo "this disk: $(dd if=/dev/zero of="$work/dsync" bs=4k count=1000 oflag=dsync 2>&1 | tail -1 | sed 's/.*copied, //') for 1000."
  echo
  echo "| CALLHOOK_AUDIT_FSYNC | 32 connections | 4 connections |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee bench/fsync-results.md
