#!/usr/bin/env bash
# chaos.sh — draw under faults, then check that nothing went wrong.
#
# Runs `lottery bench` against a server backed by a PRIVATE Redis and NATS (on free ports,
# started here) and a fresh MariaDB database, while it
#   - kill -9s the server and starts it again,
#   - restarts Redis, which loses all of its data (no RDB, no AOF),
#   - restarts Redis from a snapshot taken 3 s before, so its counters trail SQL (as after
#     a crash with RDB persistence, an AOF that lost its last writes, or a failover to a
#     replica that was behind),
#   - stops NATS for 10 s and starts it again (its JetStream store kept).
# After the faults, the bench waits for the grants to catch up and checks the invariants:
# no oversell, no user over a limit, no lost or duplicated order, every win granted once.
#
#   scripts/chaos.sh            # ~4-5 minutes: three rounds of faults
#   scripts/chaos.sh --short    # ~1-2 minutes: one round (CI)
#
# CHAOS_BIN=path uses an already built binary instead of building one.
# The machine's own Redis (6379) and NATS (4222) are never touched. Needs redis-server,
# nats-server, the mysql client with root access to the local MariaDB, jq and Go.
# Prints one summary line; exits non-zero on any violation or failure.
set -euo pipefail

ROUNDS=3 DURATION=210 GRANT_WAIT=60s
if [[ "${1:-}" == "--short" ]]; then
  ROUNDS=1 DURATION=50 GRANT_WAIT=20s
fi
USERS=${CHAOS_USERS:-2000}
CONCURRENCY=${CHAOS_CONCURRENCY:-64}
MYSQL_ADDR=${CHAOS_MYSQL_ADDR:-127.0.0.1:3306}
NATS_BIN=${NATS_BIN:-$(command -v nats-server || echo /usr/sbin/nats-server)}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/lottery-chaos.XXXXXX)
DB="lottery_chaos_$(date +%s)_$$"
SERVER_PID="" REDIS_PID="" NATS_PID="" BENCH_PID=""
FAULTS=0 KILLS=0 REDIS_RESTARTS=0 REDIS_RESTORES=0 NATS_STOPS=0

log() { printf '[chaos %s] %s\n' "$(date +%T)" "$*" >&2; }

# Ports are picked below the kernel's ephemeral range: a port there may be taken at any
# moment as the local end of some outgoing connection, and a server then fails to bind it
# (seen once: "redis did not start", its port held by another process's connection).
read -r EPHEMERAL_LOW _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || EPHEMERAL_LOW=32768
PORT_LOW=10000 PORT_SPAN=$((EPHEMERAL_LOW - 10000))
if ((PORT_SPAN < 1000)); then
  PORT_LOW=1024 PORT_SPAN=$((EPHEMERAL_LOW - 1024))
fi
PICKED=" "

# pick_port VAR sets VAR to a port below the ephemeral range that no socket uses and that
# this script has not picked already.
pick_port() {
  local p
  while :; do
    p=$((PORT_LOW + (RANDOM * 32768 + RANDOM) % PORT_SPAN))
    [[ "$PICKED" == *" $p "* ]] && continue
    if command -v ss >/dev/null; then
      [[ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ]] || continue
    elif (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      continue
    fi
    PICKED+="$p "
    printf -v "$1" '%s' "$p"
    return
  done
}

# stop PID: end one process we started, and reap it.
stop() {
  local pid=$1 sig=${2:-TERM}
  [[ -n "$pid" ]] || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  stop "$BENCH_PID"
  stop "$SERVER_PID"
  stop "$REDIS_PID"
  stop "$NATS_PID"
  mysql -uroot -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || log "could not drop database $DB"
  if [[ $rc -eq 0 ]]; then
    rm -rf "$TMP"
  else
    log "logs kept in $TMP"
  fi
}
trap cleanup EXIT

pick_port REDIS_PORT
pick_port NATS_PORT
pick_port HTTP_PORT
URL="http://127.0.0.1:$HTTP_PORT"
DSN="root@tcp($MYSQL_ADDR)/$DB"
export LOTTERY_AUTH_SECRET="chaos-$(date +%s%N)-secret"

# Redis saves nothing by itself; a snapshot is taken only by the restore fault's SAVE.
start_redis() {
  mkdir -p "$TMP/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$TMP/redis" --dbfilename dump.rdb >>"$TMP/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "redis did not start"; return 1
}

start_nats() {
  "$NATS_BIN" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$TMP/nats" >>"$TMP/nats.log" 2>&1 &
  NATS_PID=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nats did not start"; return 1
}

start_server() {
  LOTTERY_HTTP_ADDR="127.0.0.1:$HTTP_PORT" LOTTERY_DATA_DIR="$TMP/data" LOTTERY_MYSQL_DSN="$DSN" \
  LOTTERY_REDIS_ADDR="127.0.0.1:$REDIS_PORT" LOTTERY_NATS_URL="nats://127.0.0.1:$NATS_PORT" \
  LOTTERY_DRAW_RATE_PER_USER=0 LOTTERY_LOG_LEVEL=warn \
    "$TMP/lottery" serve >>"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do
    curl -sf "$URL/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server exited; see $TMP/server.log"; return 1; }
    sleep 0.1
  done
  log "server did not answer within 30 s"; return 1
}

fault_kill_server() {
  log "fault: kill -9 the server"
  stop "$SERVER_PID" KILL
  sleep 1
  start_server
  KILLS=$((KILLS + 1)) FAULTS=$((FAULTS + 1))
}

fault_restart_redis() {
  log "fault: restart Redis, losing its data"
  stop "$REDIS_PID" KILL
  rm -f "$TMP/redis/dump.rdb"
  start_redis
  REDIS_RESTARTS=$((REDIS_RESTARTS + 1)) FAULTS=$((FAULTS + 1))
}

fault_restore_redis() {
  log "fault: restart Redis from a snapshot taken 3 s before"
  redis-cli -p "$REDIS_PORT" SAVE >/dev/null
  sleep 3
  stop "$REDIS_PID" KILL
  start_redis
  rm -f "$TMP/redis/dump.rdb"
  REDIS_RESTORES=$((REDIS_RESTORES + 1)) FAULTS=$((FAULTS + 1))
}

fault_stop_nats() {
  log "fault: stop NATS for 10 s"
  stop "$NATS_PID" TERM
  sleep 10
  start_nats
  NATS_STOPS=$((NATS_STOPS + 1)) FAULTS=$((FAULTS + 1))
}

if [[ -n "${CHAOS_BIN:-}" ]]; then
  cp "$CHAOS_BIN" "$TMP/lottery"
else
  log "building the server"
  (cd "$ROOT" && go build -o "$TMP/lottery" ./cmd/lottery)
fi
mysql -uroot -e "CREATE DATABASE $DB"
start_redis
start_nats
start_server
log "server on $URL (redis :$REDIS_PORT, nats :$NATS_PORT, database $DB)"

# Sized to run out during the run (--tight): stock, a prize's daily quota and the users'
# limits all bind, so the faults hit every limit's bookkeeping. CHAOS_RATE is the draws/s
# the sizing expects (the faults cost a good part of it); too high and nothing runs out,
# too low and it runs out before the last fault.
RATE=${CHAOS_RATE:-4000}
ACTIVITY=$("$TMP/lottery" demo --url "$URL" --users "$USERS" --draws $((DURATION * RATE)) --tight --print-id)
log "activity $ACTIVITY; drawing for ${DURATION}s with $CONCURRENCY workers, $USERS users"

"$TMP/lottery" bench --url "$URL" --activity "$ACTIVITY" --users "$USERS" --concurrency "$CONCURRENCY" \
  --duration "${DURATION}s" --no-healthz --replay-every 50 --mysql-dsn "$DSN" --grant-wait "$GRANT_WAIT" \
  --json "$TMP/bench.json" >"$TMP/bench.log" 2>&1 &
BENCH_PID=$!

# Each round: kill -9 the server, restart Redis empty, restart it from a snapshot, stop
# NATS; spread over the run (the faults themselves take ~15 s a round), leaving its last
# seconds fault-free so the system is back before the checks.
SLOT=$(( (DURATION - 10 - 15 * ROUNDS) / (ROUNDS * 4 + 1) ))
for _ in $(seq "$ROUNDS"); do
  sleep "$SLOT"; fault_kill_server
  sleep "$SLOT"; fault_restart_redis
  sleep "$SLOT"; fault_restore_redis
  sleep "$SLOT"; fault_stop_nats
done

set +e
wait "$BENCH_PID"
BENCH_RC=$?
set -e
BENCH_PID=""
cat "$TMP/bench.log" >&2

if [[ ! -s "$TMP/bench.json" ]]; then
  echo "chaos: FAILED — the bench wrote no report (exit $BENCH_RC); logs in $TMP"
  exit 1
fi
ATTEMPTED=$(jq '.draws.requests' "$TMP/bench.json")
ACKED=$(jq '.draws.ok' "$TMP/bench.json")
VIOLATIONS=$(jq '.violations' "$TMP/bench.json")
GRANTS=$(jq -r '[.invariants[] | select(.name | startswith("3"))][0].status' "$TMP/bench.json")
UNKNOWN=$(jq '.unknown_outcome' "$TMP/bench.json")

# Every restore must have been noticed: its snapshot holds the record of the server before.
NOTICED=$(grep -c 'rebuilding them from SQL' "$TMP/server.log" || true)
log "the server logged a rebuild for a Redis with older data $NOTICED times (the draws and the watch may both notice one)"

VERDICT=ok
if [[ "$VIOLATIONS" -ne 0 || $BENCH_RC -ne 0 ]]; then VERDICT=FAILED; fi
if ((REDIS_RESTORES > 0 && NOTICED == 0)); then
  log "the server never noticed the restored Redis"
  VERDICT=FAILED
fi
echo "chaos: $VERDICT — $ATTEMPTED draws attempted ($ACKED acknowledged, $UNKNOWN unknown outcome), $FAULTS faults injected (server kill -9 ×$KILLS, Redis restart ×$REDIS_RESTARTS, Redis restore ×$REDIS_RESTORES, NATS stop ×$NATS_STOPS), $VIOLATIONS violations; grants: $GRANTS"
[[ "$VERDICT" == ok ]]
