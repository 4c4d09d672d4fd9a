# Shared by the benchmark scripts (source it from the project root): ports, tools, starting and stopping
# callhook through bin/callhook, wrk's summary line. Traffic goes to 127.0.0.1 only.
PORT=${PORT:-18080}          # the webhook listener, which wrk drives
ADMIN_PORT=${ADMIN_PORT:-18081}  # health (readiness), metrics, admin API
root=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# wrk, PostgreSQL and nginx from Debian's packages, the jar built if it is older than the sources
bench_prepare() {
  if ! command -v wrk >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v nginx >/dev/null; then
    as_root apt-get install -y wrk postgresql nginx-light >/dev/null 2>&1 || { as_root apt-get update >/dev/null; as_root apt-get install -y wrk postgresql nginx-light >/dev/null; }
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

# bin/callhook's default JVM settings, read from it so that a bench cannot drift from what production runs
callhook_java_opts() {
  local opts
  opts=$(sed -n 's/^: "${JAVA_OPTS:=\(.*\)}"$/\1/p' bin/callhook)
  [ -n "$opts" ] || { echo "no JAVA_OPTS default found in bin/callhook" >&2; return 1; }
  echo "$opts"
}

wrk_line() { # connections threads seconds [url] → the BENCH line
  wrk -t"$2" -c"$1" -d"$3"s -s bench/webhook.lua "${4:-http://127.0.0.1:$PORT/webhook}" | grep '^BENCH'
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
  APP_PID=$(pgrep -f "CallhookApplication .*server.port=$ADMIN_PORT" | head -1)
}

stop_app() { # SIGTERM, as systemd stops it; a service still up after 60 s is a finding, and is killed
  kill "$APP_PID" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$APP_PID" 2>/dev/null || return 0; sleep 0.2; done
  echo "callhook (pid $APP_PID) still running 60 s after SIGTERM: killed" >&2
  kill -9 "$APP_PID" 2>/dev/null || true
}

# CPU time (clock ticks) used so far by the processes given, together
cpu_ticks() { for pid in "$@"; do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'; }

# until the service uses less than a fifth of a core over 2 s (at most 5 minutes)
wait_idle() {
  local ticks=$(getconf CLK_TCK)
  for _ in $(seq 1 150); do
    local before=$(cpu_ticks "$APP_PID")
    sleep 2
    local after=$(cpu_ticks "$APP_PID")
    [ $(( (after - before) * 100 / (2 * ticks) )) -lt 20 ] && return
  done
}

# A private PostgreSQL server for a run: $work/pg on 127.0.0.1:$PG_PORT, trust authentication, stopped and
# deleted by the scripts' EXIT trap. psql runs a statement as its superuser.
pg_start() {
  mkdir -p "$work/pg" && chown postgres "$work" "$work/pg"
  su postgres -c "$PG_BIN/initdb -D $work/pg -A trust -U postgres" >/dev/null
  su postgres -c "$PG_BIN/pg_ctl -D $work/pg -o '-p $PG_PORT -k $work -c listen_addresses=127.0.0.1' -l $work/pg.log -w start" >/dev/null
}
pg_stop() { [ -d "$work/pg" ] && su postgres -c "$PG_BIN/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true; }
psql() { su postgres -c "$PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -At $*"; }

# deliveries of a destination recorded SENT since the start, from the service's own metrics (started with
# CALLHOOK_ADMIN_TOKEN)
BENCH_TOKEN=bench-admin-token-0123456789
sent() { # channel
  curl -sf -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:$ADMIN_PORT/actuator/prometheus" \
    | sed -n 's/^callhook_deliveries_total{channel="'"${1:-forward}"'",status="SENT"} \([0-9.E]*\)$/\1/p' \
    | awk '{printf "%d", $1}'
}

# A private nginx on 127.0.0.1:$NGINX_PORT that answers every request 200 at once: the delivered run's fast
# receiver. nginx_stop ends it (the scripts' EXIT trap).
NGINX_PORT=${NGINX_PORT:-18090}
nginx_start() {
  mkdir -p "$work/nginx"
  sed -e "s|NGINX_DIR|$work/nginx|g" -e "s|NGINX_PORT|$NGINX_PORT|g" bench/nginx.conf > "$work/nginx/nginx.conf"
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" > "$work/nginx/out.log" 2>&1 &
  for _ in $(seq 1 100); do curl -sf -X POST "http://127.0.0.1:$NGINX_PORT/" >/dev/null 2>&1 && return; sleep 0.05; done
  echo "nginx did not start: $(cat "$work/nginx/error.log" 2>/dev/null)" >&2; return 1
}
nginx_stop() { [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true; }

# the highest resident memory (MB) of a process, sampled once a second into a file until it ends
rss_sampler() { # pid file
  (while kill -0 "$1" 2>/dev/null; do ps -o rss= -p "$1" >> "$2" 2>/dev/null; sleep 1; done) &
}
rss_max() { sort -n "$1" | tail -1 | awk '{printf "%d", $1 / 1024}'; }

# the seed's Express handler, the reference: copied to $work/express, npm install, started on $EXPRESS_PORT;
# sets express_pid once its port answers, and EXPRESS_READY_MS, the time from node's start to then (npm
# install is not part of a start-up)
express_start() {
  cp -r "$EXPRESS" "$work/express"
  (cd "$work/express" && npm install --silent --no-audit --no-fund >/dev/null 2>&1)
  local begin=$(date +%s%N)
  (cd "$work/express" && PORT=$EXPRESS_PORT QUIET=1 exec node server.js > "$work/express/out.log" 2>&1) &
  express_pid=$!
  for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$EXPRESS_PORT) 2>/dev/null && break; sleep 0.05; done
  EXPRESS_READY_MS=$(( ($(date +%s%N) - begin) / 1000000 ))
}
