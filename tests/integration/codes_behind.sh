# A stage whose org file is newer than the database (a division added there,
# dubanctl setup not yet run after the upgrade) parks nothing it cannot
# apply: the database's refusal names the code it lacks (org_codes,
# deploy/schema/081), the consumer takes it as not the message's fault and
# logs the remedy as an error, and the case waits between stages, sent
# again, until dubanctl setup has run; then it is dispatched, once.
export DUBAN_OUTBOX_RESEND_MS=300
source "$(dirname "$0")/../lib/harness.sh"
harness_init codes_behind

# The org file of the new release: a division 新设处 that leads 计量.
# (the calendar and the SLA are found beside the org file)
mkdir "$H_DIR/org" && ln -s "$DUBAN_SOURCE_DIR"/deploy/config/* "$H_DIR/org/" && rm "$H_DIR/org/org.conf"
sed -e 's/^  { code = "metrology";         name = "计量处"; },$/&\n  { code = "newdiv"; name = "新设处"; },/' \
  -e 's/^\(  { code = "metrology";         name = "计量";     lead = \)"metrology";/\1"newdiv";/' \
  "$DUBAN_SOURCE_DIR/deploy/config/org.conf" > "$H_DIR/org/org.conf"
assert_eq 2 "$(grep -c '"newdiv"' "$H_DIR/org/org.conf")" "the division added to the copy of org.conf, and leading 计量"
assert_eq 0 "$(psql_q "SELECT count(*) FROM divisions WHERE code = 'newdiv'")" "a division the database lacks"

harness_start intake triage
DUBAN_ORG_FILE=$H_DIR/org/org.conf harness_start dispatch
number=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
  --subject '电子秤不准' --description '市场摊位电子秤缺斤短两')
state() { psql_q "SELECT state FROM cases WHERE case_number = '$number'"; }
refusals() { grep -c "the database lacks a code of this service's org file: run dubanctl setup" "$H_DIR/dispatch.log" || true; }
refused_twice() { (($(refusals) >= 2)); }
wait_until 30 refused_twice
assert_contains "$(cat "$H_DIR/dispatch.log")" "level=error svc=dispatch msg=\"the database lacks a code" \
  "dispatch logs the remedy as an error"
assert_eq triaged "$(state)" "the case waits between stages"
assert_eq 0 "$(psql_q "SELECT count(*) FROM tasks")" "no task"
assert_eq 0 "$(psql_q "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL")" "nothing parked"
assert_eq 1 "$(psql_q "SELECT count(*) FROM case_handoffs")" "still listed between stages"

# The set-up catches up with the org file: the next sending is applied.
out=$(DUBAN_ORG_FILE=$H_DIR/org/org.conf harness_ctl setup 2>&1) || fail "setup with the new org file: $out"
dispatched() { [[ "$(state)" == dispatched ]]; }
wait_until 30 dispatched
assert_eq "newdiv|1" "$(psql_q "SELECT division || '|' || count(*) FROM tasks GROUP BY division")" \
  "dispatched to the new division, once"
assert_eq 0 "$(psql_q "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL")" "nothing parked"
assert_references_hold
echo "PASS codes_behind"
