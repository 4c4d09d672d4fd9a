# n8n, the peer that does the same job (source it from bench/run.sh, after bench/lib.sh and pg_start): the npm
# package at BENCH_N8N_VERSION, installed once into ~/.cache/callhook-bench, running bench/n8n/workflow.json
# (webhook → INSERT into PostgreSQL → answer {"received":true} → IF callSuccessful → POST to the bench's
# nginx), with its own database in SQLite (n8n's default) or PostgreSQL. Traffic stays on 127.0.0.1.
#
# Why 1.123.50: the newest 1.x the registry offers that runs on Debian's Node 20 (from 1.123.66 on, n8n's
# expression engine needs isolated-vm 6, which builds only against Node 22). Installed with its install
# scripts off (a dependency would download from a CDN, not the registry) and xlsx taken from the registry, then sqlite3 built from source.
N8N_VERSION=${BENCH_N8N_VERSION:-1.123.50}
N8N_PORT=${N8N_PORT:-18095}
N8N_URL="http://127.0.0.1:$N8N_PORT/webhook/callhook"
N8N_HOME=${BENCH_N8N_HOME:-$HOME/.cache/callhook-bench/n8n-$N8N_VERSION}
N8N_PID=""
N8N_READY_MS=""

# a statement read from standard input (quotes and all), as PostgreSQL's superuser
sql() { su postgres -c "$PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -At -q"; }

n8n_prepare() {
  if [ ! -x "$N8N_HOME/node_modules/.bin/n8n" ] || [ ! -f "$N8N_HOME/.built" ]; then
    echo "installing n8n $N8N_VERSION into $N8N_HOME (once)…"
    mkdir -p "$N8N_HOME"
    # n8n pins xlsx to a tarball on cdn.sheetjs.com, which is not a package registry: the registry's last xlsx
    echo '{"name":"callhook-bench-n8n","private":true,"overrides":{"xlsx":"0.18.5"}}' > "$N8N_HOME/package.json"
    if ! (cd "$N8N_HOME" && npm install --no-audit --no-fund --ignore-scripts "n8n@$N8N_VERSION" > install.log 2>&1 \
        && npm rebuild sqlite3 >> install.log 2>&1); then
      echo "n8n could not be installed (see $N8N_HOME/install.log): left out of this run" >&2
      return 1
    fi
    touch "$N8N_HOME/.built"
  fi
  echo "CREATE TABLE IF NOT EXISTS n8n_call (id text PRIMARY KEY, event text, call_successful boolean,
    payload jsonb, stored_at timestamptz DEFAULT now())" | sql
}

n8n() { (cd "$work/n8n-$N8N_MODE" && env "${N8N_ENV[@]}" "$N8N_HOME/node_modules/.bin/n8n" "$@"); }

n8n_start() { # sqlite | postgresql
  N8N_MODE=$1
  local dir="$work/n8n-$N8N_MODE"
  mkdir -p "$dir"
  N8N_ENV=(N8N_USER_FOLDER="$dir" N8N_PORT=$N8N_PORT N8N_LISTEN_ADDRESS=127.0.0.1 N8N_ENCRYPTION_KEY=callhook-bench-key
    N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_TEMPLATES_ENABLED=false
    N8N_PERSONALIZATION_ENABLED=false N8N_LOG_LEVEL=warn N8N_RUNNERS_ENABLED=false)
  if [ "$N8N_MODE" = postgresql ]; then
    echo "DROP DATABASE IF EXISTS n8n" | sql
    echo "CREATE DATABASE n8n" | sql
    N8N_ENV+=(DB_TYPE=postgresdb DB_POSTGRESDB_HOST=127.0.0.1 DB_POSTGRESDB_PORT=$PG_PORT DB_POSTGRESDB_DATABASE=n8n
      DB_POSTGRESDB_USER=postgres DB_POSTGRESDB_PASSWORD=)
  fi
  echo "TRUNCATE n8n_call" | sql
  cat > "$dir/credentials.json" <<JSON
[{"id":"cbBenchPostgres1","name":"bench PostgreSQL","type":"postgres",
  "data":{"host":"127.0.0.1","port":$PG_PORT,"database":"postgres","user":"postgres","password":"","ssl":"disable"}}]
JSON
  sed "s|FORWARD_URL|http://127.0.0.1:$NGINX_PORT/forward|" bench/n8n/workflow.json > "$dir/workflow.json"
  # the database created and migrated, the credential and the workflow imported, the workflow active: before
  # the start that is measured
  n8n import:credentials --input="$dir/credentials.json" > "$dir/import.log" 2>&1
  n8n import:workflow --input="$dir/workflow.json" >> "$dir/import.log" 2>&1
  n8n update:workflow --id=cbBenchWorkflow1 --active=true >> "$dir/import.log" 2>&1
  local begin=$(date +%s%N)
  (cd "$dir" && exec env "${N8N_ENV[@]}" "$N8N_HOME/node_modules/.bin/n8n" start > "$dir/out.log" 2>&1) &
  N8N_PID=$!
  # ready when the workflow answers: probe calls (ids probe-…), left out of the row count
  for i in $(seq 1 1200); do
    curl -sf -X POST -H 'Content-Type: application/json' \
      -d '{"id":"probe-'"$N8N_MODE-$i"'","event":"call.ended","data":{"callSuccessful":false}}' "$N8N_URL" >/dev/null 2>&1 && break
    kill -0 "$N8N_PID" 2>/dev/null || { echo "n8n ($N8N_MODE) exited: $(tail -5 "$dir/out.log")" >&2; return 1; }
    sleep 0.1
  done
  N8N_READY_MS=$(( ($(date +%s%N) - begin) / 1000000 ))
}

n8n_stop() {
  [ -n "${N8N_PID:-}" ] || return 0
  pkill -P "$N8N_PID" 2>/dev/null || true
  kill "$N8N_PID" 2>/dev/null || true
  while kill -0 "$N8N_PID" 2>/dev/null; do sleep 0.2; done
  N8N_PID=""
}

n8n_rows() { echo "SELECT count(*) FROM n8n_call WHERE id NOT LIKE 'probe-%'" | sql; }
