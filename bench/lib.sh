# Shared by the benchmark scripts (source it from the project root): ports, tools, starting and stopping
# callhook through bin/callhook, wrk's summary line. Traffic goes to 127.0.0.1 only.
PORT=${PORT:-18080}          # the webhook listener, which wrk drives
ADMIN_PORT=${ADMIN_PORT:-18081}  # health (readiness), metrics, admin API
root=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# wrk and PostgreSQL from Debian's packages, the jar built if it is older than the sources
bench_prepare() {
  if ! command -v wrk >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    as_root apt-get install -y wrk postgresql >/dev/null 2>&1 || { as_root apt-get update >/dev/null; as_root apt-get install -y wrk postgresql >/dev/null; }
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  local jar
  jar=$(ls target/callhook-*.jar 2>/dev/null | grep -v original | head -1 || true)
  if [ -z "$jar" ] || [ -n "$(find src routes pom.xml -newer "$jar" -print -quit)" ]; then
    ./mvnw -q -B package -DskipTests
  fi
  # extract the jar and record its class-data-sharing archive now, not inside a measured start-up
  bin/callhook validate routes >/dev/null
}

wrk_line() { # connections threads seconds → the BENCH line
  wrk -t"$2" -c"$1" -d"$3"s -s bench/webhook.lua "http://127.0.0.1:$PORT/webhook" | grep '^BENCH'
}
field() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }

start_app() { # directory, then environment assignments
  local dir=$1; shift
  mkdir -p "$dir"
  local begin=$(date +%s%N)
  (cd "$dir" && env "$@" "$root/bin/callhook" --server.port=$ADMIN_PORT --callhook.webhook.port=$PORT --server.address=127.0.0.1 > app.log 2>&1 &)
  for _ in $(seq 1 1200); do
    curl -sf "http://127.0.0.1:$ADMIN_PORT/actuator/health/readiness" >/dev/null 2>&1 && break
    sleep 0.05
  done
  READY_MS=$(( ($(date +%s%N) - begin) / 1000000 ))
  APP_PID=$(pgrep -f "server.port=$ADMIN_PORT" | head -1)
}

stop_app() {
  kill "$APP_PID" 2>/dev/null || true
  while kill -0 "$APP_PID" 2>/dev/null; do sleep 0.2; done
}

# until the service uses less than a fifth of a core over 2 s (at most 5 minutes)
wait_idle() {
  local ticks=$(getconf CLK_TCK)
  for _ in $(seq 1 150); do
    local before=$(awk '{print $14 + $15}' "/proc/$APP_PID/stat")
    sleep 2
    local after=$(awk '{print $14 + $15}' "/proc/$APP_PID/stat")
    [ $(( (after - before) * 100 / (2 * ticks) )) -lt 20 ] && return
  done
}
