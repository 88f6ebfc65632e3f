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
# The script itself checks that
#   - the server never died but by the kill -9s: it is alive before each fault and after
#     the bench, stops cleanly on SIGTERM at the end, and its log (all its lives, appended)
#     holds no "panic:", "fatal error:" or "DATA RACE";
#   - every Redis restore was noticed: a rebuild logged within 20 s of each;
#   - the limits did bind: the bench saw draws refused for the stock running out and for a
#     user's limit, without which invariants 1 and 2 pass trivially.
#
#   scripts/chaos.sh            # ~4-5 minutes: three rounds of faults
#   scripts/chaos.sh --short    # ~1-2 minutes: one round (CI)
#
# CHAOS_BIN=path uses an already built binary instead of building one (one built with
# -race makes the log check look for data races too). CHAOS_RATE, CHAOS_USERS and
# CHAOS_CONCURRENCY change the sizing and the load; see below.
# The machine's own Redis (6379) and NATS (4222) are never touched. Needs redis-server,
# nats-server, the mysql client with root access to the local MariaDB, jq and Go.
# Prints one summary line; exits non-zero on any violation or failure.
set -euo pipefail

ROUNDS=3 DURATION=210 GRANT_WAIT=60s
if [[ "${1:-}" == "--short" ]]; then
  ROUNDS=1 DURATION=50 GRANT_WAIT=20s
fi
# Sized to run out during the run (demo --tight): stock, a prize's daily quota and the
# users' limits all bind, so the faults hit every limit's bookkeeping. CHAOS_RATE is the
# draws/s the sizing expects (the faults cost a good part of it); too high and nothing runs
# out (the run then fails, saying so), too low and it runs out before the last fault.
RATE=${CHAOS_RATE:-4000}
# A user's limit is a draw more than the user's share of the planned draws and the stock
# runs out at 3/4 of them, so only users drawn more often than the average reach their
# limit. With ~20 draws each that is one in ten of them; with 2,000 users over 200,000
# draws (100 each) it was a handful, and none on a slightly slower machine.
USERS=${CHAOS_USERS:-$((DURATION * RATE / 20))}
CONCURRENCY=${CHAOS_CONCURRENCY:-64}
MYSQL_ADDR=${CHAOS_MYSQL_ADDR:-127.0.0.1:3306}
NATS_BIN=${NATS_BIN:-$(command -v nats-server || echo /usr/sbin/nats-server)}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/lottery-chaos.XXXXXX)
DB="lottery_chaos_$(date +%s)_$$"
SERVER_PID="" REDIS_PID="" NATS_PID="" BENCH_PID=""
FAULTS=0 KILLS=0 REDIS_RESTARTS=0 REDIS_RESTORES=0 NATS_STOPS=0
NOTICED_RESTORES=0 DEATHS=0 SUMMARY=""
FAILURES=()

log() { printf '[chaos %s] %s\n' "$(date +%T)" "$*" >&2; }

# fail REASON records a failure; the run goes on to its checks and ends FAILED.
fail() {
  log "FAILED: $*"
  FAILURES+=("$*")
}

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
  # Whatever stopped the script, it ends with a summary line.
  [[ -n "$SUMMARY" ]] || echo "chaos: FAILED — stopped early (exit $rc) after $FAULTS faults${FAILURES:+: ${FAILURES[*]}}; logs in $TMP"
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

# server_alive WHEN fails the run if the server died though nothing killed it (a crash:
# see the log) and, unless told not to, starts it again so the run goes on to its checks.
server_alive() {
  local when=$1 restart=${2:-restart} rc=0
  kill -0 "$SERVER_PID" 2>/dev/null && return 0
  wait "$SERVER_PID" 2>/dev/null || rc=$?
  DEATHS=$((DEATHS + 1))
  fail "the server (pid $SERVER_PID) died on its own $when, exit status $rc; see $TMP/server.log"
  SERVER_PID=""
  [[ "$restart" == restart ]] && start_server
  return 0
}

# stop_server_cleanly ends the server as an operator would, with SIGTERM, and fails the
# run unless it stops within 30 s (its drain takes at most 10) with exit status 0.
stop_server_cleanly() {
  local rc=0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    fail "the server did not stop within 30 s of SIGTERM"
    stop "$SERVER_PID" KILL
  else
    wait "$SERVER_PID" 2>/dev/null || rc=$?
    ((rc == 0)) || fail "the server exited with status $rc on SIGTERM; see $TMP/server.log"
  fi
  SERVER_PID=""
}

# notices counts the server's log lines saying it found a Redis with older data.
notices() { grep -c 'rebuilding them from SQL' "$TMP/server.log" || true; }

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

# The snapshot holds the record of the Redis server it was taken on, so the server must
# notice the restore (its draws at once, by the lost admission script, or its watch within
# half a second) and log a rebuild: one line, or two when both noticed at the same time.
# Counting the lines of this restore alone, a line logged for another fault (or two for
# one restore) cannot stand in for a restore nobody noticed.
fault_restore_redis() {
  log "fault: restart Redis from a snapshot taken 3 s before"
  redis-cli -p "$REDIS_PORT" SAVE >/dev/null
  sleep 3
  local before deadline=$((SECONDS + 20))
  before=$(notices)
  stop "$REDIS_PID" KILL
  start_redis
  rm -f "$TMP/redis/dump.rdb"
  REDIS_RESTORES=$((REDIS_RESTORES + 1)) FAULTS=$((FAULTS + 1))
  while (($(notices) <= before && SECONDS < deadline)); do
    sleep 0.1
  done
  if (($(notices) > before)); then
    NOTICED_RESTORES=$((NOTICED_RESTORES + 1))
  else
    fail "restore $REDIS_RESTORES was not noticed: no rebuild logged within 20 s"
  fi
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
for round in $(seq "$ROUNDS"); do
  sleep "$SLOT"; server_alive "before the kill -9 of round $round"; fault_kill_server
  sleep "$SLOT"; server_alive "before the Redis restart of round $round"; fault_restart_redis
  sleep "$SLOT"; server_alive "before the Redis restore of round $round"; fault_restore_redis
  sleep "$SLOT"; server_alive "before the NATS stop of round $round"; fault_stop_nats
done

set +e
wait "$BENCH_PID"
BENCH_RC=$?
set -e
BENCH_PID=""
cat "$TMP/bench.log" >&2
server_alive "during the bench's last part or its checks" no-restart

# A machine slower than CHAOS_RATE leaves stock when the faults are over: the draws go on,
# without faults, until it runs out, so that the sell-out is still tested against the
# counters the faults left (rebuilt, restored, recovered). The drain's bench checks the
# invariants over the whole activity again.
DRAINED=no
if [[ -n "$SERVER_PID" && -s "$TMP/bench.json" ]] && (($(jq '.errors.activity_sold_out // 0' "$TMP/bench.json") == 0)); then
  log "the stock did not run out during the faults ($(($(jq '.draws.ok' "$TMP/bench.json") / DURATION)) draws/s here, sized for CHAOS_RATE=$RATE): drawing on without faults until it does"
  set +e
  "$TMP/lottery" bench --url "$URL" --activity "$ACTIVITY" --users "$USERS" --concurrency "$CONCURRENCY" \
    --duration 60s --no-healthz --replay-every 50 --mysql-dsn "$DSN" --grant-wait "$GRANT_WAIT" \
    --json "$TMP/drain.json" >"$TMP/drain.log" 2>&1
  DRAIN_RC=$?
  set -e
  cat "$TMP/drain.log" >&2
  DRAINED=yes
  ((DRAIN_RC == 0)) || fail "the bench drawing on after the faults exited with status $DRAIN_RC; see $TMP/drain.log"
  server_alive "while drawing on after the faults" no-restart
fi
[[ -z "$SERVER_PID" ]] || stop_server_cleanly
# Every life of the server appended to the one log, the killed ones included.
if grep -E 'panic:|fatal error:|DATA RACE' "$TMP/server.log" >"$TMP/crashes.log"; then
  fail "the server log holds $(wc -l <"$TMP/crashes.log") line(s) of panic/fatal error/DATA RACE, the first: $(head -c 200 "$TMP/crashes.log" | head -1)"
fi

if [[ ! -s "$TMP/bench.json" ]]; then
  SUMMARY="chaos: FAILED — the bench wrote no report (exit $BENCH_RC)${FAILURES:+; ${FAILURES[*]}}; logs in $TMP"
  echo "$SUMMARY"
  exit 1
fi
ATTEMPTED=$(jq '.draws.requests' "$TMP/bench.json")
ACKED=$(jq '.draws.ok' "$TMP/bench.json")
VIOLATIONS=$(jq '.violations' "$TMP/bench.json")
GRANTS=$(jq -r '[.invariants[] | select(.name | startswith("3"))][0].status' "$TMP/bench.json")
UNKNOWN=$(jq '.unknown_outcome' "$TMP/bench.json")
# The API's codes for a draw refused because the activity's stock ran out, and because the
# user reached a limit (in total or for the day): see interfaces/rest/draws.go.
SOLD_OUT=$(jq '.errors.activity_sold_out // 0' "$TMP/bench.json")
if [[ "$DRAINED" == yes && -s "$TMP/drain.json" ]]; then
  SOLD_OUT=$(jq '.errors.activity_sold_out // 0' "$TMP/drain.json")
  VIOLATIONS=$((VIOLATIONS + $(jq '.violations' "$TMP/drain.json")))
fi
OVER_LIMIT=$(jq '.errors.user_quota_exhausted // 0' "$TMP/bench.json")
log "the server logged $(notices) rebuild(s) for a Redis with older data: $NOTICED_RESTORES of $REDIS_RESTORES restores noticed"

if ((SOLD_OUT == 0 || OVER_LIMIT == 0)); then
  fail "the limits did not bind ($SOLD_OUT draws refused as sold out, $OVER_LIMIT for a user's limit), so invariants 1 and 2 held trivially: the activity was sized for CHAOS_RATE=$RATE draws/s and this machine answered $((ACKED / DURATION))/s; lower CHAOS_RATE, e.g. to $((ACKED / DURATION))"
fi
if [[ "$VIOLATIONS" -ne 0 ]]; then fail "$VIOLATIONS invariant(s) violated"; fi
if ((BENCH_RC != 0)); then fail "the bench exited with status $BENCH_RC"; fi

VERDICT=ok
((${#FAILURES[@]} == 0)) || VERDICT=FAILED
AFTER_FAULTS=""
if [[ "$DRAINED" == yes ]]; then AFTER_FAULTS=" (after the faults)"; fi
SUMMARY="chaos: $VERDICT — $ATTEMPTED draws attempted ($ACKED acknowledged, $UNKNOWN unknown outcome), $FAULTS faults injected (server kill -9 ×$KILLS, Redis restart ×$REDIS_RESTARTS, Redis restore ×$REDIS_RESTORES, NATS stop ×$NATS_STOPS), $VIOLATIONS violations; grants: $GRANTS; limits bound: $SOLD_OUT sold out$AFTER_FAULTS, $OVER_LIMIT over a user's limit; restores noticed: $NOTICED_RESTORES of $REDIS_RESTORES; unexpected server deaths: $DEATHS"
echo "$SUMMARY"
[[ "$VERDICT" == ok ]]
