#!/usr/bin/env bash
# Where the CPU goes at sustained saturation: bash bench/profile.sh [h2|postgresql] (about 5 minutes)
#
# BENCH_DELIVERED=1 profiles the delivered road: the forward destination on, pointed at the bench's nginx
# (every event also owes one unpaced HTTP send, as bench/run.sh's *-delivered runs).
#
# Starts callhook cold through bin/callhook with Java Flight Recorder on (settings=profile), drives 32
# connections of continuous load for BENCH_SUSTAIN s (default 120), no pause, and records the last
# BENCH_RECORD s of it (default 60, the JIT's first minute left out). Prints the busiest methods (samples
# whose top frame is the method) and the busiest of callhook's and Camel's own frames anywhere on the stack,
# the allocation per request, the GC pauses and the JFR file's path (kept in bench/profiles/).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DB=${1:-h2}
SUSTAIN=${BENCH_SUSTAIN:-120}
RECORD=${BENCH_RECORD:-60}
PG_PORT=15432
work=$(mktemp -d)
trap 'pkill -f "server.port=$ADMIN_PORT" 2>/dev/null || true; nginx_stop; pg_stop; rm -rf "$work"' EXIT

bench_prepare
env=()
if [ "$DB" = postgresql ]; then
  pg_start
  env=(SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" SPRING_DATASOURCE_USERNAME=postgres
    SPRING_DATASOURCE_PASSWORD=)
fi
if [ "${BENCH_DELIVERED:-0}" = 1 ]; then
  nginx_start
  env+=(CALLHOOK_FORWARD_URL="http://127.0.0.1:$NGINX_PORT/forward" CALLHOOK_DELIVERY_CONSUMERS=${BENCH_CONSUMERS:-8})
  DB=$DB-delivered
fi
mkdir -p bench/profiles
jfr_file="$root/bench/profiles/$DB-$(date -u +%Y%m%dT%H%M%S).jfr"
start_app "$work/app" "${env[@]}"
wrk -t2 -c32 -d"${SUSTAIN}s" -s bench/webhook.lua "http://127.0.0.1:$PORT/webhook" > "$work/wrk.txt" &
load=$!
# CPU time (clock ticks) of callhook, of the database server's processes and of wrk
cpu_split() { echo "$(cpu_ticks "$APP_PID") $(cpu_ticks $(pgrep -u postgres -d ' ' postgres || true)) $(cpu_ticks $(pgrep -x wrk))"; }
sleep $((SUSTAIN - RECORD))
jcmd "$APP_PID" JFR.start name=bench settings=profile > /dev/null
before=$(cpu_split)
sleep "$RECORD"
after=$(cpu_split)
jcmd "$APP_PID" JFR.dump name=bench filename="$jfr_file" > /dev/null
wait "$load"
stop_app
requests=$(grep '^BENCH' "$work/wrk.txt" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
echo "Load: $(grep '^BENCH' "$work/wrk.txt")"
echo "$before $after" | awk -v t="$(getconf CLK_TCK)" -v rec="$RECORD" -v cores="$(nproc)" '{
  printf "CPU over the recording (%d cores): callhook %.0f%%, database server %.0f%%, wrk %.0f%% of the machine\n",
    cores, 100 * ($4 - $1) / t / rec / cores, 100 * ($5 - $2) / t / rec / cores, 100 * ($6 - $3) / t / rec / cores }'

jfr print --stack-depth 64 --events jdk.ExecutionSample "$jfr_file" > "$work/samples.txt"
jfr summary "$jfr_file" > "$work/summary.txt"
python3 - "$work/samples.txt" <<'EOF'
import collections, re, sys
samples = open(sys.argv[1]).read().split("jdk.ExecutionSample")[1:]
top, ours, threads = collections.Counter(), collections.Counter(), collections.Counter()
total = 0
for s in samples:
    frames = re.findall(r"^\s+([\w$.<>]+)\(", s, re.M)
    if not frames:
        continue
    total += 1
    thread = re.search(r'sampledThread = "([^"]*)"', s)
    threads[re.sub(r"\d+", "N", thread.group(1)) if thread else "?"] += 1
    top[frames[0]] += 1
    for f in set(frames):
        if f.startswith("io.callhook."):
            ours[f] += 1
print(f"{total} CPU samples of callhook's threads")
print("By thread:")
for f, n in threads.most_common(8):
    print(f"  {100 * n / total:5.1f}%  {f}")
print("Top frames (self):")
for f, n in top.most_common(15):
    print(f"  {100 * n / total:5.1f}%  {f}")
print("callhook's own methods anywhere on the stack (inclusive):")
for f, n in ours.most_common(25):
    print(f"  {100 * n / total:5.1f}%  {f}")
EOF
jfr print --events jdk.ObjectAllocationSample "$jfr_file" \
  | awk -v req="$requests" -v sustain="$SUSTAIN" -v rec="$RECORD" '/weight = /{v = $3 + 0; u = $4;
      m = (u == "kB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : 1; sum += v * m}
      END { if (req > 0) printf "Allocation: about %.0f KB per request (sampled weights over the recording; %d requests in %d s)\n",
        sum / (req * rec / sustain) / 1024, req, sustain }'
jfr print --events jdk.GarbageCollection "$jfr_file" | awk '/sumOfPauses/{n++; v=$3; if (v+0 > max) max=v+0; s+=v} END {printf "GC: %d collections in %s s, pauses %.1f ms in all, longest %.1f ms\n", n, "'"$RECORD"'", s, max}'
echo "JFR file: $jfr_file"
