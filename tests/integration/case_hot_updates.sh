# Fewer writes per case (issue 13): a case's state changes on its way in
# (triaged, then dispatched) are heap-only updates, writing no index entry,
# because no index of cases depends on a column those updates change (state,
# updated_at) — 007's rule, which 020's cases_arbitration_idx had broken,
# giving every case two more entries in each of its indexes. Proven on the
# pages: after three cases went through triage and dispatch, the primary
# key holds three entries, not nine (an index entry stays until a vacuum).
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
harness_init case_hot_updates
harness_start intake triage dispatch

# --- The rule, on the schema: no index of cases reads state or updated_at.
offending=$(psql_q "SELECT coalesce(string_agg(c.relname, ' '), '') FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  WHERE i.indrelid = 'cases'::regclass AND pg_get_indexdef(i.indexrelid) ~ '\\m(state|updated_at)\\M'")
assert_eq "" "$offending" "no index of cases depends on state or updated_at"

# --- On the pages: three cases triaged and dispatched.
for i in 1 2 3; do
  harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
    --subject "电子秤 $i" --description '缺斤短两' > /dev/null
done
dispatched() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == 3 ]]; }
wait_until 20 dispatched
psql_q "CREATE EXTENSION IF NOT EXISTS pageinspect" > /dev/null
assert_eq 3 "$(psql_q "SELECT count(*) FROM bt_page_items('cases_pkey', 1)")" \
  "one primary-key entry per case: the state changes wrote none"

# --- The cases waiting for arbitration are still found (their own table).
assert_eq 0 "$(psql_q "SELECT count(*) FROM cases_in_arbitration")" "none waiting"
echo "PASS case_hot_updates"
