# Poison messages are parked, not re-sent for ever. A message its consumer
# cannot read (a body that is not what the type says) and one that
# PostgreSQL refuses to apply are refused by dispatch, each time with the
# reason, against the producer's outbox row; at outbox.max_attempts
# refusals the row is parked: never sent again on its own, counted in the
# producer's /healthz, listed by dubanctl outbox parked with the reason.
# dubanctl outbox retry sends one again once its cause is fixed; dubanctl
# outbox drop gives one up, keeping the row with who, when and why.
export DUBAN_OUTBOX_RESEND_MS=300
export DUBAN_OUTBOX_MAX_ATTEMPTS=3
source "$(dirname "$0")/../lib/harness.sh"
harness_init outbox_parking
harness_start intake triage dispatch

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
state_of() { psql_q "SELECT state FROM cases WHERE case_number = '$1'"; }
parked_in_health() { # the outbox_parked figure of triage's /healthz (its relay sends to dispatch)
  [[ "$(curl -s "$H_TRIAGE_HEALTH_URL")" =~ \"outbox_parked\":\ ?([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
health_shows() { [[ "$(parked_in_health)" == "$1" ]]; }
is_parked() { [[ "$(psql_q "SELECT parked_at IS NOT NULL FROM outbox WHERE id = $1")" == t ]]; }
column() { psql_q "SELECT $2 FROM outbox WHERE id = $1"; }
assert_eq 0 "$(parked_in_health)" "nothing parked at start"

# --- A message dispatch cannot read: written straight into the outbox with a
# body that is not a CaseTriaged, for triage's relay to send.
scale=$(submit --subject 电子秤不准 --description 缺斤短两 --category metrology)
dispatched() { [[ "$(state_of "$1")" == dispatched ]]; }
wait_until 10 dispatched "$scale"
case_id=$(psql_q "SELECT id FROM cases WHERE case_number = '$scale'")
poison() {
  psql_q "INSERT INTO outbox (producer, destination, msg_type, case_id, case_number, body)
    VALUES ('test', 'dispatch', 2, $case_id, '$scale', '\\xffffffff0f') RETURNING id"
  psql_q "SELECT pg_notify('outbox_dispatch', '')" > /dev/null
}
garbage=$(poison)
wait_until 15 is_parked "$garbage"
assert_eq 3 "$(column "$garbage" refusals)" "parked at the third refusal"
reason=$(column "$garbage" park_reason)
assert_contains "$reason" "refused 3 times by its consumer" "the reason counts the refusals"
assert_contains "$reason" "the body is not a CaseTriaged" "and says what was wrong"
msg=$(column "$garbage" msg_id)
grep -q "msg=\"parked message; dubanctl outbox retry ROW sends it again\" msg_id=$msg case=$scale to=dispatch " "$H_DIR/dispatch.log" || fail "dispatch did not log the parking"

# Parked means not sent again: while a second one is refused three times
# (three more re-send periods), the first is not sent once more.
sends=$(column "$garbage" attempts)
((sends >= 3)) || fail "parked after $sends sends"
garbage2=$(poison)
wait_until 15 is_parked "$garbage2"
assert_eq "$sends" "$(column "$garbage" attempts)" "a parked message is not re-sent"
assert_eq 3 "$(column "$garbage" refusals)" "nor refused again"
wait_until 10 health_shows 2

# --- A message PostgreSQL refuses to apply: tasks for fiber cannot be made.
psql_q "CREATE FUNCTION test_fiber_closed() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN RAISE EXCEPTION 'fiber division closed for this test'; END \$\$" > /dev/null
psql_q "CREATE TRIGGER test_fiber_closed BEFORE INSERT ON tasks FOR EACH ROW
  WHEN (NEW.division = 'fiber') EXECUTE FUNCTION test_fiber_closed()" > /dev/null
cotton=$(submit --subject 棉被以次充好 --description 絮用纤维不合格 --category fiber)
blocked_row() { psql_q "SELECT id FROM outbox WHERE destination = 'dispatch' AND case_number = '$cotton'"; }
has_row() { [[ -n "$(blocked_row)" ]]; }
wait_until 10 has_row
blocked=$(blocked_row)
wait_until 15 is_parked "$blocked"
assert_contains "$(column "$blocked" park_reason)" "fiber division closed for this test" "PostgreSQL's reason"
assert_eq triaged "$(state_of "$cotton")" "the case waits, triaged"
wait_until 10 health_shows 3

# --- dubanctl lists them, newest first, with the reasons.
listed=$(harness_ctl outbox parked)
assert_contains "$listed" "the body is not a CaseTriaged" "the unreadable message listed"
assert_contains "$listed" "fiber division closed for this test" "the refused one listed"
assert_contains "$listed" "$cotton" "with its case"
json=$(harness_ctl outbox parked --json)
assert_eq "$blocked,$garbage2,$garbage" "$(jq -r 'map(.id) | join(",")' <<<"$json")" "all three, newest first"
assert_eq "CASE_TRIAGED dispatch 3" "$(jq -r --argjson id "$blocked" '.[] | select(.id == $id) | "\(.type) \(.destination) \(.refusals)"' <<<"$json")" \
  "type, destination and refusals"
assert_contains "$(harness_ctl outbox --help)" "retry" "--help"

# --- The cause fixed, retry: the case goes through, nothing is left parked.
psql_q "DROP TRIGGER test_fiber_closed ON tasks" > /dev/null
assert_contains "$(harness_ctl outbox retry "$blocked")" "goes to dispatch again" "retry answers"
wait_until 10 dispatched "$cotton"
assert_eq 1 "$(psql_q "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$cotton'")" \
  "one task, once"
assert_eq "" "$(column "$blocked" id)" "delivered this time: acknowledged, its row deleted"
wait_until 10 health_shows 2

# --- Drop: kept as a record with who, when and why; no longer counted.
assert_contains "$(harness_ctl --as insp001 outbox drop "$garbage" --reason '测试写入的坏消息')" "dropped by insp001" "drop answers"
assert_eq "insp001|测试写入的坏消息|t" "$(column "$garbage" "dropped_by, drop_reason, dropped_at IS NOT NULL")" \
  "who, why and when"
harness_ctl outbox drop "$garbage2" --json > /dev/null
assert_contains "$(column "$garbage2" dropped_by)" "system user " "without --as, the system user"
wait_until 10 health_shows 0
assert_eq "no parked messages" "$(harness_ctl outbox parked)" "none left"
all=$(harness_ctl outbox parked --all --json)
assert_eq "insp001" "$(jq -r --argjson id "$garbage" '.[] | select(.id == $id) | .dropped.by' <<<"$all")" "--all shows the dropped"
assert_eq 2 "$(psql_q "SELECT count(*) FROM outbox WHERE dropped_at IS NOT NULL")" "dropped rows are kept"

# --- Only parked messages can be retried or dropped.
set +e
out=$(harness_ctl outbox retry "$garbage" 2>&1); rc=$?
set -e
assert_eq 1 "$rc" "a dropped message is not retried"
assert_contains "$out" "is not parked" "and says why"
set +e
harness_ctl outbox drop "$blocked" > /dev/null 2>&1; rc=$?
harness_ctl outbox retry not-a-number > /dev/null 2>&1; usage_rc=$?
set -e
assert_eq 1 "$rc" "a delivered message is not dropped"
assert_eq 2 "$usage_rc" "an ID is a number"
echo "PASS outbox_parking"
