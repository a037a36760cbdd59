# The ledger migration (dubanctl import-history, issue 3) that the bulletin
# tests build their periods with: a valid historical case is stored with its
# original times, deadlines computed as of its dispatch and moved by its
# material pause; every invalid entry is reported with its index and reason
# and nothing of it is stored; a second import adds nothing.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
harness_init bulletin_history_import
FIXTURE=$DUBAN_SOURCE_DIR/tests/fixtures/history_invalid.json

rc=0
out=$(harness_ctl import-history "$FIXTURE" 2>&1) || rc=$?
assert_eq 1 "$rc" "an import with refused entries exits 1"
assert_contains "$out" "entry 1 (LEDGER-1): imported DB20170306" "the valid case"
assert_contains "$out" "entry 2 (no external_ref): external_ref is required" "external_ref required"
# refused by the live workflow's own rules (dispatch_rules.c), in its words
assert_contains "$out" "entry 3 (LEDGER-3): step 2 (returned): return refused: response window closed at 2017-03-07 09:30:00" "return too late"
assert_contains "$out" "entry 4 (LEDGER-4): step 3 (callback): callback refused: first record that the reply was conveyed to the requester (the case is replied)" "callback before informing"
assert_contains "$out" "entry 5 (LEDGER-5): step 1 (dispatched): division nowhere is not configured" "unknown division"
assert_contains "$out" "entry 6 (LEDGER-6): step 2 (signed): at 2017-03-06T08:30:00+08:00 is before the step or receipt before it" "steps out of order"
assert_contains "$out" "entry 7 (LEDGER-7): received_at needs an instant with its zone" "zone required"
assert_contains "$out" "entry 8 (LEDGER-8): kind is complaint, report, enquiry or suggestion" "unknown kind"
# An extension is asked before the deadline then in force (03-23 17:30), as live asks it.
assert_contains "$out" "entry 9 (LEDGER-9): step 3 (extension_granted): extend refused: the completion deadline passed at 2017-03-23 17:30:00; extensions are asked before it" "extension after the deadline"
# A division acts only on its own tasks.
assert_contains "$out" "entry 10 (LEDGER-10): step 2 (signed): case LEDGER-10 holds no task of division metrology: a division acts only on its own tasks" "another division's handler"
assert_contains "$out" "imported 1, extended 0, already present 0, refused 9" "summary"

# Nothing partial: only LEDGER-1 is stored, with its case, task and events.
assert_eq "LEDGER-1" "$(psql_q "SELECT string_agg(external_ref, ',') FROM cases")" "one case stored"
assert_eq 1 "$(psql_q "SELECT count(*) FROM tasks")" "one task stored"
assert_eq "received,triaged,dispatched,signed,material_requested,material_arrived,replied" \
  "$(psql_q "SELECT string_agg(type, ',' ORDER BY id) FROM case_events")" "one event per step"
# Original times; deadlines of 2017-03-06 09:00 (response 8 working hours:
# 3 + 4 on Monday, 1 on Tuesday; completion the 13th working day after);
# the pause Tue 09:00 - Wed 09:00 is 7 + 0.5 = 7.5 working hours, so the
# completion deadline moves one working day, from 03-23 to 03-24 17:30; the
# task was signed before the pause, so its response deadline stays.
assert_eq "2017-03-06 08:40|op002|history-import|f" \
  "$(psql_q "SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), first_responder, source, flagged FROM cases")" "the case"
assert_eq "replied|2017-03-06 09:00|2017-03-07 09:30|2017-03-24 17:30|2017-03-20 10:00|24:00:00|h-metrology" \
  "$(psql_q "SELECT concat_ws('|', state, to_char(dispatched_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
     to_char(response_due AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
     to_char(completion_due AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
     to_char(replied_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), paused_total, handler) FROM tasks")" "the task"
assert_eq "27000" "$(psql_q "SELECT detail->>'paused_seconds' FROM case_events WHERE type = 'material_arrived'")" "7.5 working hours paused"
assert_eq "replied|已检定" "$(psql_q "SELECT state, result FROM cases")" "the case replied"

# A second import adds nothing; a file that is not a JSON array is refused.
out=$(harness_ctl import-history "$FIXTURE" 2>&1) || true
assert_contains "$out" "entry 1 (LEDGER-1): already imported" "already imported"
assert_contains "$out" "imported 0, extended 0, already present 1, refused 9" "nothing added"
assert_eq 1 "$(psql_q "SELECT count(*) FROM cases")" "still one case"
assert_references_hold
echo '{"external_ref": "x"}' > "$H_DIR/object.json"
assert_contains "$(harness_ctl import-history "$H_DIR/object.json" 2>&1 || true)" "is not a JSON array of cases" "array required"
# --json reports each entry.
json=$(harness_ctl --json import-history "$FIXTURE" 2>&1 || true)
assert_contains "$json" '"already_imported": 1' "JSON summary"
assert_contains "$json" '"reason": "external_ref is required' "JSON reasons"
echo "PASS bulletin_history_import"
