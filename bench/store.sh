#!/usr/bin/env bash
# The durable write path of intake at the storage level: H2 + callhook's audit journal against SQLite in WAL
# mode (issue 16, item 3). One command: bash bench/store.sh   (about 7 minutes; writes bench/store-results.md)
#
# No HTTP, no routes: bench/store/StoreBench.java drives the store directly, in a JVM of its own per figure
# with bin/callhook's JAVA_OPTS. 32 request threads (BENCH_THREADS) each parse a fresh webhook body (the one
# bench/webhook.lua sends) with the service's WebhookReader and append its audit row, waiting for the group
# commit that holds it; one more thread dispatches (three SKIPPED channel rows per event, the outbox row
# removed, in one transaction per 100 events), a second writer beside the audit writer, as in the service.
#   h2-journal-nofsync, h2-journal-fsync   the service's own AuditLog on H2 (spring.datasource's URL and pool),
#                                          the journal forced to the device at each commit or not
#   sqlite-wal-normal, sqlite-wal-full     org.xerial:sqlite-jdbc from Maven Central, journal_mode=WAL,
#                                          synchronous=NORMAL or FULL, the same tables and group commit
# Interleaved by what a 200 survives (a killed process: nofsync, NORMAL; a power cut: fsync, FULL), so a drift
# of the shared machine hits both stores. For each: BENCH_WARMUP s (default 10: a storage-level bench, the JIT
# warms quickly) at full load, then BENCH_DURATION s (default 60) measured: appends/s, p50/p99 of an append,
# dispatched events/s, CPU per event, bytes on disk per event (at the end of the load, and once the journal is
# sealed into H2's file or the WAL checkpointed). Then the loss check: the same load in a child JVM that prints
# each acknowledged id as append returns, kill -9 BENCH_KILL_AFTER s (default 8) after the first, the store
# reopened as the service would (H2: AuditLog started, which stores what the journal holds), every
# acknowledged id looked up: missing must be 0. The control, h2-no-journal (BENCH_CONTROL, empty to skip),
# is H2 without the journal, whose acknowledged rows wait in memory for H2's background write: it should
# lose some, which shows the check can see a loss.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh # callhook_java_opts (its field is replaced below)
WARMUP=${BENCH_WARMUP:-10}
DURATION=${BENCH_DURATION:-60}
KILL_AFTER=${BENCH_KILL_AFTER:-8}
THREADS=${BENCH_THREADS:-32}
VARIANTS=${BENCH_VARIANTS:-h2-journal-nofsync sqlite-wal-normal h2-journal-fsync sqlite-wal-full}
CONTROL=${BENCH_CONTROL-h2-no-journal}
SQLITE_JDBC=3.54.1.0

# scratch on the project's disk (the figures are the disk's as much as the store's), deleted however it ends
mkdir -p target
work=$(mktemp -d "$root/target/store-bench.XXXXXX")
child=""
trap '[ -n "$child" ] && kill -9 "$child" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/lib" "$work/classes" "$work/tmp"

# the jar built if it is older than the sources, extracted as bin/callhook runs it
jar=$(ls target/callhook-*.jar 2>/dev/null | grep -v original | head -1 || true)
if [ -z "$jar" ] || [ -n "$(find src pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -q -B package -DskipTests
  jar=$(ls target/callhook-*.jar | grep -v original | head -1)
fi
app="target/app/$(basename "$jar")"
if [ ! -f "$app" ] || [ "$jar" -nt "$app" ]; then
  bin/callhook validate routes >/dev/null
fi

echo "sqlite-jdbc $SQLITE_JDBC from Maven Central…"
./mvnw -q -B dependency:copy -Dartifact=org.xerial:sqlite-jdbc:$SQLITE_JDBC -DoutputDirectory="$work/lib"
cp="$work/classes:$root/$app:$root/target/app/lib/*:$work/lib/sqlite-jdbc-$SQLITE_JDBC.jar"
javac -cp "$cp" -d "$work/classes" bench/store/StoreBench.java

# the service's logging is quiet here: warnings only, to stderr (stdout carries the results and the ids)
cat > "$work/logback.xml" <<'EOF'
<configuration>
  <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="err"/></root>
</configuration>
EOF

# bin/callhook's JVM settings (heap 160 MB, ParallelGC, …), read from it so the two cannot drift
java_opts=$(callhook_java_opts)
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
# sqlite-jdbc unpacks its native library into the scratch folder, so a killed JVM leaves nothing in /tmp
# shellcheck disable=SC2206
bench=(java $java_opts -Dbench.threads="$THREADS" -Dlogback.configurationFile="$work/logback.xml"
  -Dorg.sqlite.tmpdir="$work/tmp" -cp "$cp" StoreBench)

field() { echo "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
failed() { echo "$1 failed; its log:" >&2; tail -20 "$2" >&2; exit 1; }

# what a 200 survives once it is sent, by variant
survives() { case $1 in *-nofsync | *-normal | *-off) echo "a killed process" ;; *-fsync | *-full) echo "a power cut" ;; *) echo "?" ;; esac; }

# variant → $check, the CHECK line: the acknowledged ids, and how many of them the reopened store lacks
kill_test() {
  local variant=$1 dir=$work/kill-$1
  mkdir -p "$dir"
  sync
  "${bench[@]}" crash "$variant" "$dir/store" > "$dir/acked" 2> "$dir/crash.log" &
  child=$!
  # from the first acknowledgement on, the load is at full speed
  for _ in $(seq 1 600); do
    [ -s "$dir/acked" ] && break
    kill -0 "$child" 2>/dev/null || failed "$variant (crash)" "$dir/crash.log"
    sleep 0.05
  done
  sleep "$KILL_AFTER"
  kill -9 "$child"
  wait "$child" 2>/dev/null || true
  child=""
  check=$("${bench[@]}" check "$variant" "$dir/store" "$dir/acked" 2> "$dir/check.log" | grep '^CHECK') \
    || failed "$variant (check)" "$dir/check.log"
  rm -rf "$dir"
}

rows=()
engines=()
for variant in $VARIANTS; do
  echo "$variant: ${WARMUP} s warm-up, ${DURATION} s measured…"
  sync
  result=$("${bench[@]}" load "$variant" "$work/$variant" "$WARMUP" "$DURATION" 2> "$work/$variant.log" | grep '^RESULT') \
    || failed "$variant" "$work/$variant.log"
  rm -rf "${work:?}/$variant"
  echo "$variant: kill -9 after ${KILL_AFTER} s at full load…"
  kill_test "$variant"
  engines+=("$(field "$result" engine)")
  loss="$(field "$check" acked) / $(field "$check" missing)"
  [ "$(field "$check" missing)" = 0 ] || loss="**$loss: LOST**"
  [[ $variant != h2-journal* ]] || loss="$loss (the journal restored $(field "$check" restored) rows)"
  [[ $(field "$check" integrity) =~ ^(ok|n/a)$ ]] || loss="$loss, **integrity_check: $(field "$check" integrity)**"
  rows+=("| $variant | $(survives "$variant") | $(field "$result" rate) | $(field "$result" p50_ms) / $(field "$result" p99_ms) ms | $(field "$result" errors) / $(field "$result" dispatch_failures) | $(field "$result" dispatched_rate) | $(field "$result" outbox_left) | $(field "$result" cpu_us_per_event) µs | $(field "$result" live_per_event) / $(field "$result" settled_per_event) B | $loss |")
done
if [ -n "$CONTROL" ]; then
  echo "$CONTROL (control): kill -9 after ${KILL_AFTER} s at full load…"
  kill_test "$CONTROL"
  rows+=("| $CONTROL (control: no journal) | nothing: a 200 waits for H2's background write | – | – | – | – | – | – | – | $(field "$check" acked) / $(field "$check" missing) |")
fi

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "$(java -version 2>&1 | head -1), $(printf '%s\n' "${engines[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')"
  echo "(sqlite-jdbc $SQLITE_JDBC), by \`bash bench/store.sh\`: the store driven directly (no HTTP), each variant in its own JVM"
  echo "with bin/callhook's JAVA_OPTS, $THREADS request threads and one dispatch thread, ${WARMUP} s of warm-up (a storage-level"
  echo "bench: the JIT warms quickly), then ${DURATION} s measured; then kill -9 ${KILL_AFTER} s into the same load in a fresh JVM."
  echo "The variants one after the other, in the table's order. Scratch files on the project's disk; a synchronous 4 KB"
  echo "write there: $(dd if=/dev/zero of="$work/dsync" bs=4k count=1000 oflag=dsync 2>&1 | tail -1 | sed 's/.*copied, //') for 1000."
  echo
  echo "| variant | a 200 survives | appends/s | append p50 / p99 | errors: append / dispatch | dispatched events/s | outbox at end | CPU per event | on disk per event: end / settled | kill -9: acked / missing |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "appends/s: appends returned in the measured window ÷ its length (each one's row committed and, on H2, journaled)."
  echo "Errors: appends that threw (a 503 in the service), dispatch transactions that failed (their events taken again)."
  echo "Dispatched: events whose three channel rows were written and outbox row removed, ÷ the same window (3 rows each);"
  echo "outbox at end: events still owed when the load stopped. CPU per event: the JVM's CPU time in the window ÷ appends"
  echo "(parsing, the writer, dispatch and, for H2, its background writer and compaction). On disk: every file of the store"
  echo "(H2: .mv.db and journal segments; SQLite: the database, -wal and -shm) ÷ call_audit rows, when the load stopped and"
  echo "once settled (H2: the journal sealed, CHECKPOINT SYNC; SQLite: wal_checkpoint(TRUNCATE))."
  echo "kill -9: ids whose append had returned (each printed as it returned), and how many of them the store lacked once"
  echo "reopened (H2: with the rows AuditLog stored at its start from the journal's leftover segments); the control must lose"
  echo "some, or the check could not see a loss."
} | tee bench/store-results.md
