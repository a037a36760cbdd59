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
submit_dispatched 3
psql_q "CREATE EXTENSION IF NOT EXISTS pageinspect" > /dev/null
assert_eq 3 "$(psql_q "SELECT count(*) FROM bt_page_items('cases_pkey', 1)")" \
  "one primary-key entry per case: the state changes wrote none"

# --- Pages keep room for the next version (072): cases written while triage
# and dispatch are away fill their pages as a burst does, before any update
# comes; each page then takes the new version triage writes of each of its
# cases (with 007's fillfactor 70, about half of them went to another page,
# each a new entry in every index). Dispatch's version after it fits once
# the first is pruned, which a concurrent pin of the page may put off: not
# asserted here. Vacuum off for cases, so that no entry is taken away before
# it is counted.
psql_q "ALTER TABLE cases SET (autovacuum_enabled = false)" > /dev/null
harness_stop triage
harness_stop dispatch
for i in $(seq 1 60); do
  harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
    --subject "电子秤称重不准 $i" --description "市场摊位电子秤缺斤短两，称量结果与复秤相差较多，请核实处理 $i" \
    --name '测试' --phone "1390000$(printf '%04d' "$i")" > /dev/null
done
pages=$(psql_q "SELECT count(DISTINCT (ctid::text::point)[0]) FROM cases")
(( pages >= 4 )) || fail "63 cases filled only $pages page(s): no burst to fill them"
harness_start triage
all_triaged() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'triaged'")" == 60 ]]; }
wait_until 60 all_triaged
# leaf_entries INDEX: the entries in INDEX's leaf pages (a btree).
leaf_entries() {
  psql_q "SELECT coalesce(sum((bt_page_stats('$1', p)).live_items), 0) FROM generate_series(1,
    (pg_relation_size('$1') / current_setting('block_size')::int - 1)::int) p
    WHERE (bt_page_stats('$1', p)).type = 'l'"
}
assert_eq 63 "$(leaf_entries cases_pkey)" "63 cases (60 triaged in a burst), one primary-key entry each"
harness_start dispatch
all_dispatched() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == 63 ]]; }
wait_until 60 all_dispatched

# --- A case without an external reference writes no entry for it (074):
# the 63 hotline cases above left the reference's index empty. Imported
# cases, some while hotline cases arrive (a batch may hold both), each get
# theirs, and the same file again adds nothing. Triage is away, so that no
# update that leaves its page adds an entry before they are counted.
harness_stop triage
assert_contains "$(psql_q "SELECT pg_get_indexdef('cases_external_ref_key'::regclass)")" \
  "WHERE (external_ref IS NOT NULL)" "the reference's unique index is partial"
assert_eq 0 "$(leaf_entries cases_external_ref_key)" "no entry for the cases without a reference"
{
  echo "external_ref,channel,kind,subject,description"
  for i in $(seq 1 40); do echo "HOT-$i,letter,complaint,来信 $i,计量器具问题 $i"; done
} > "$H_DIR/refs.csv"
harness_ctl import "$H_DIR/refs.csv" > "$H_DIR/import1.out" &
clients=($!)
for i in $(seq 1 20); do
  harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
    --subject "加油机 $i" --description '加油量不足' > /dev/null &
  clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid" || fail "a client ($pid) failed"; done
assert_contains "$(cat "$H_DIR/import1.out")" "imported 40, already present 0" "every row imported"
assert_eq "40|123" "$(psql_q "SELECT count(external_ref), count(*) FROM cases")" \
  "40 cases with a reference, 83 without"
assert_eq 40 "$(leaf_entries cases_external_ref_key)" "one entry per reference"
harness_ctl import "$H_DIR/refs.csv" > "$H_DIR/import2.out"
assert_contains "$(cat "$H_DIR/import2.out")" "imported 0, already present 40" "the same file again"
assert_eq 123 "$(psql_q "SELECT count(*) FROM cases")" "no case twice"

# --- The cases waiting for arbitration are still found (their own table).
assert_eq 0 "$(psql_q "SELECT count(*) FROM cases_in_arbitration")" "none waiting"
echo "PASS case_hot_updates"
