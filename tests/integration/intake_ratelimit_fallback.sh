# Public rate limits hold while Redis is away: with Redis stopped, an address
# still gets its submissions and lookups a minute and no more (counted in
# intake's memory); the fallback table stays bounded, letting submissions
# through and refusing lookups once it is full; when Redis is back the counts
# are shared in Redis again; and a Redis that stalls is not waited for.
export DUBAN_INTAKE_PUBLIC_SUBMITS_PER_MINUTE=4
export DUBAN_INTAKE_PUBLIC_LOOKUPS_PER_MINUTE=6
export DUBAN_INTAKE_RATELIMIT_FALLBACK_ADDRESSES=16
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_ratelimit_fallback

# A Redis of our own: stopping the suite's Redis would harm the other tests.
duban_reserve_ports 1 redis_port || fail "no free port for redis"
start_redis() {
  duban_redis_start "$H_DIR/redis" "$redis_port" "$H_DIR/redis.log" || fail "redis did not start"
  redis_pid=$DUBAN_REDIS_PID
}
stop_redis() {
  kill -CONT "$redis_pid" 2>/dev/null || true
  duban_stop_pid "$redis_pid" 5 || true
}
start_redis
harness_on_exit 'stop_redis'
export DUBAN_REDIS_PORT=$redis_port

# The limits count per wall-clock minute. Start intake's clock at the top of a
# minute, so that each burst below falls inside one minute without waiting.
offset=$((60 - $(date +%s) % 60))
export DUBAN_CLOCK_OFFSET_S=$offset
harness_start intake

connected() { (( $(grep -c "connected to redis" "$H_DIR/intake.log") >= $1 )); }
wait_until 10 connected 1

submit() { # SOURCE_ADDRESS: status of a public JSON submission from that address
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface "$1" -H 'Content-Type: application/json' \
    --data-binary '{"channel":"web","kind":"enquiry","subject":"计量咨询","description":"加油机计量"}' \
    "$H_INTAKE_URL/api/v1/public/cases"
}
lookup() { # SOURCE_ADDRESS: status of a public status lookup from that address
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface "$1" \
    "$H_INTAKE_URL/api/v1/public/cases/DB20990101000001?code=AAAAAAAA"
}
codes() { # N CMD ARG: the statuses of N calls, space-separated
  local n=$1 out="" i
  shift
  for ((i = 0; i < n; i++)); do out+="$("$@") "; done
  printf '%s\n' "${out% }"
}

# Redis away: each limit still holds per address.
stop_redis
lost() { grep -q "redis connection lost" "$H_DIR/intake.log"; }
wait_until 10 lost
wait_until 60 minute_has_room "$offset"
assert_eq "201 201 201 201 429 429 429" "$(codes 7 submit 127.0.0.2)" "submissions limited without redis"
assert_eq "404 404 404 404 404 404 429 429" "$(codes 8 lookup 127.0.0.2)" "lookups limited without redis"
assert_eq "201" "$(submit 127.0.0.3)" "another address is not limited"
grep -q "rate limit counted in this process.*redis unavailable" "$H_DIR/intake.log" || fail "fallback not logged"

# Redis back: the counts are kept in Redis again.
start_redis
wait_until 10 connected 2
wait_until 60 minute_has_room "$offset"
assert_eq "201 201 201 201 429" "$(codes 5 submit 127.0.0.40)" "submissions limited through redis"
key_count() { redis-cli -h 127.0.0.1 -p "$redis_port" --scan --pattern "${H_REDIS_PREFIX}rl:submit:127.0.0.40:*" | wc -l; }
assert_eq 1 "$(key_count)" "the count is in redis"

# Redis stalled (stopped, connection open): each check waits for it no more
# than intake.ratelimit_timeout_ms (200 ms), then counts in memory.
kill -STOP "$redis_pid"
assert_eq "201 201 201 201 429" "$(codes 5 submit 127.0.0.41)" "submissions limited while redis stalls"
grep -q "rate limit counted in this process.*redis did not answer in time" "$H_DIR/intake.log" ||
  fail "stalled redis not logged"

# The fallback table holds 16 addresses a minute. Once the lookups of new
# addresses have filled it, a lookup from yet another address is refused and
# a submission goes through uncounted (five pass a limit of four).
wait_until 60 minute_has_room "$offset"
first_refused=""
for i in $(seq 100 120); do
  status=$(lookup "127.0.0.$i")
  if [[ "$status" == 429 ]]; then
    first_refused=$i
    break
  fi
  assert_eq 404 "$status" "lookup from 127.0.0.$i while the table has room"
done
[[ -n "$first_refused" ]] || fail "the table never filled"
(( first_refused <= 116 )) || fail "more than 16 addresses kept: first refusal at 127.0.0.$first_refused"
assert_eq 429 "$(lookup 127.0.0.121)" "lookups refused while the table is full"
assert_eq "201 201 201 201 201" "$(codes 5 submit 127.0.0.122)" "submissions let through while the table is full"
grep -q "rate limit table full" "$H_DIR/intake.log" || fail "full table not logged"
kill -CONT "$redis_pid"
echo "PASS intake_ratelimit_fallback"
