#!/usr/bin/env bash
# Where the CPU goes at sustained saturation: bash bench/profile.sh [h2|postgresql] (about 5 minutes)
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
trap 'pkill -f "server.port=$ADMIN_PORT" 2>/dev/null || true; pg_stop; rm -rf "$work"' EXIT

bench_prepare
env=()
if [ "$DB" = postgresql ]; then
  pg_start
  env=(SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" SPRING_DATASOURCE_USERNAME=postgres
    SPRING_DATASOURCE_PASSWORD=)
fi
mkdir -p bench/profiles
jfr_file="$root/bench/profiles/$DB-$(date -u +%Y%m%dT%H%M%S).jfr"
start_app "$work/app" "${env[@]}"
wrk -t2 -c32 -d"${SUSTAIN}s" -s bench/webhook.lua "http://127.0.0.1:$PORT/webhook" > "$work/wrk.txt" &
load=$!
sleep $((SUSTAIN - RECORD))
jcmd "$APP_PID" JFR.start name=bench settings=profile > /dev/null
sleep "$RECORD"
jcmd "$APP_PID" JFR.dump name=bench filename="$jfr_file" > /dev/null
wait "$load"
stop_app
requests=$(grep '^BENCH' "$work/wrk.txt" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
echo "Load: $(grep '^BENCH' "$work/wrk.txt")"

jfr print --events jdk.ExecutionSample "$jfr_file" > "$work/samples.txt"
jfr summary "$jfr_file" > "$work/summary.txt"
python3 - "$work/samples.txt" "$requests" "$SUSTAIN" "$RECORD" <<'EOF'
import collections, re, sys
text = open(sys.argv[1]).read()
requests, sustain, record = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
samples = text.split("jdk.ExecutionSample")
top, ours = collections.Counter(), collections.Counter()
total = 0
for s in samples[1:]:
    frames = re.findall(r"^\s+([\w$.<>]+)\(", s, re.M)
    if not frames:
        continue
    total += 1
    top[frames[0]] += 1
    seen = set()
    for f in frames:
        if (f.startswith("io.callhook.") or f.startswith("org.apache.camel.")) and f not in seen:
            seen.add(f)
            ours[f] += 1
print(f"{total} CPU samples")
print("Top frames (self):")
for f, n in top.most_common(25):
    print(f"  {100 * n / total:5.1f}%  {f}")
print("callhook's and Camel's frames anywhere on the stack (inclusive):")
for f, n in ours.most_common(30):
    print(f"  {100 * n / total:5.1f}%  {f}")
EOF
jfr print --events jdk.ObjectAllocationSample "$jfr_file" \
  | awk -v req="$requests" -v sustain="$SUSTAIN" -v rec="$RECORD" '/weight = /{gsub(/[^0-9.kMG]/,"",$3); v=$3; m=1;
      if (v ~ /k$/) m=1024; if (v ~ /M$/) m=1048576; if (v ~ /G$/) m=1073741824; sub(/[kMG]$/,"",v); sum += v * m}
      END { if (req > 0) printf "Allocation: about %.0f KB per request (sampled weights over the recording, %d requests in %d s)\n",
        sum / (req * rec / sustain) / 1024, req, sustain }'
jfr print --events jdk.GarbageCollection "$jfr_file" | awk '/sumOfPauses/{n++; v=$3; if (v+0 > max) max=v+0; s+=v} END {printf "GC: %d collections in %s s, pauses %.1f ms in all, longest %.1f ms\n", n, "'"$RECORD"'", s, max}'
echo "JFR file: $jfr_file"
