# Duplicates: the same requester about the same matter within the window is
# linked to the open case and told its number; Redis holds the fingerprints
# (keyed hashes, no phone numbers; see fingerprint_key.sh) and is refilled
# from PostgreSQL when emptied.
export DUBAN_TRIAGE_FINGERPRINT_CHECK_S=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init triage_duplicates
harness_start intake triage dispatch

submit() { harness_ctl submit --operator op001 --kind complaint "$@"; }
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }
settled() { local s; s=$(state_of "$1"); [[ "$s" == dispatched || "$s" == merged ]]; }

first=$(submit --subject 加油机少油 --description 加油站加油机计量不准 --category metrology --phone '138-0000-5555')
wait_until 10 settled "$first"
keys=$(redis_q --scan --pattern "${H_REDIS_PREFIX}dup:*:metrology")
[[ -n "$keys" ]] || fail "no fingerprint in redis"
assert_not_contains "$(redis_q --scan --pattern "${H_REDIS_PREFIX}*")" "13800005555" "no phone number in redis keys"

repeat=$(submit --subject 还是加油机 --description 上次反映的加油机 --category metrology --phone 13800005555)
wait_until 10 settled "$repeat"
assert_eq merged "$(state_of "$repeat")" "repeat merged (the phone written differently)"
assert_eq "$first" "$(psql_q "SELECT d.case_number FROM cases c JOIN cases d ON d.id = c.duplicate_of WHERE c.case_number = '$repeat'")" "linked"
assert_contains "$(psql_q "SELECT string_agg(e.type, ',') FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$first'")" "duplicate_linked" "the open case's timeline knows"
other=$(submit --subject 电梯 --description 电梯异响 --category special-equipment --phone 13800005555)
wait_until 10 settled "$other"
assert_eq dispatched "$(state_of "$other")" "another matter is not a duplicate"
anonymous=$(submit --subject 加油机 --description 加油机 --category metrology)
wait_until 10 settled "$anonymous"
assert_eq dispatched "$(state_of "$anonymous")" "no phone, no duplicate"

# Redis emptied (this test's keys only): triage refills it from PostgreSQL.
# One DEL for all of them: deleted one by one, triage could notice the
# emptying half-way, refill, and then lose the refill to the rest of the loop.
mapfile -t dup_keys < <(redis_q --scan --pattern "${H_REDIS_PREFIX}dup:*")
((${#dup_keys[@]} > 0)) || fail "no fingerprints in Redis before the emptying"
redis_q DEL "${dup_keys[@]}" > /dev/null
refilled() { [[ -n "$(redis_q --scan --pattern "${H_REDIS_PREFIX}dup:*:metrology")" ]]; }
wait_until 10 refilled
assert_eq "$keys" "$(redis_q --scan --pattern "${H_REDIS_PREFIX}dup:*:metrology")" \
  "the refill makes the fingerprint intake made (the same key)"
third=$(submit --subject 加油机又少油 --description 第三次反映 --category metrology --phone 13800005555)
wait_until 10 settled "$third"
assert_eq merged "$(state_of "$third")" "still recognised after redis was emptied"
grep -q "rebuilding" "$H_DIR/triage.log" || fail "rebuild not logged"
echo "PASS triage_duplicates"
