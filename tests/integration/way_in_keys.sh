# Fewer writes per case (issue 13): the rows a case writes on its way in
# carry only the index entries some reader needs.
#  * outbox (076): keyed by msg_id, by which a message is acknowledged,
#    refused, claimed, released and pruned; id is an order, not a key.
#  * case_events (077): keyed by (case_id, id), the order of a case's
#    timeline; an Open311 follow-up names its event with its case, and the
#    database still refuses one that names another case's event.
#  * case_events (085): by instant only the events notices tell (not the
#    way in) and, apart, those bulletins count.
#  * task_clocks (086): a completion state in force by its deadline (a
#    B-tree), only an ended one by its span (a GiST).
#  * tasks: dispatch inserts a lead task without an arbiter (the case's
#    guarded transition is its idempotence), so not speculatively: no
#    confirmation record in the WAL.
#  * outbox (078): none on the way in; the case's state is the hand-off,
#    and case_handoffs lists it between stages.
#  * tasks (041, 043, 083, 084): the indexes a reader needs and no other;
#    none on completion_due alone, nor on a division's tasks not replied
#    (the overdue count and the division task list read indexes of open
#    tasks).
# Proven on the pages: three cases through intake, triage and dispatch
# leave one entry per event in case_events' key and none by instant, and
# none anywhere for an outbox id.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
harness_init way_in_keys
harness_start intake triage dispatch

# index_defs TABLE: the definitions of TABLE's indexes, one per line, sorted.
index_defs() {
  psql_q "SELECT regexp_replace(indexdef, '^.* USING ', '') FROM pg_indexes WHERE tablename = '$1'
    ORDER BY 1"
}
assert_eq "btree (msg_id)" "$(psql_q "SELECT regexp_replace(pg_get_indexdef(conindid), '^.* USING ', '')
  FROM pg_constraint WHERE conrelid = 'outbox'::regclass AND contype = 'p'")" "outbox is keyed by msg_id"
assert_not_contains "$(index_defs outbox)" "btree (id)" "no index on the outbox id alone"
assert_eq "btree (at) WHERE ((type <> ALL (ARRAY['received'::text, 'dispatched'::text])) AND (actor <> 'triage'::text))
btree (at) WHERE (type = ANY (ARRAY['returned'::text, 'arbitrated'::text, 'reopened'::text, 'extension_granted'::text, 'callback'::text, 'closed'::text]))
btree (case_id, id)" "$(index_defs case_events)" "case_events: its key, and by instant the events notices and bulletins read"
assert_eq "tasks_dispatched_at_idx tasks_division_queue_idx tasks_division_updated_idx tasks_division_warn_idx tasks_extension_requested_idx tasks_lead_replied_idx tasks_pkey tasks_replied_at_idx tasks_returned_idx tasks_round_key" \
  "$(psql_q "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'tasks'")" \
  "tasks: the indexes some reader needs"

# --- On the pages, and in the WAL.
psql_q "CREATE EXTENSION IF NOT EXISTS pg_walinspect" > /dev/null
wal_start=$(psql_q "SELECT pg_current_wal_insert_lsn()")
submit_dispatched 3
psql_q "CREATE EXTENSION IF NOT EXISTS pageinspect" > /dev/null
events=$(psql_q "SELECT count(*) FROM case_events")
assert_eq 9 "$events" "received, triaged and dispatched for each case"
assert_eq "$events" "$(psql_q "SELECT count(*) FROM bt_page_items('case_events_pkey', 1)")" "one key per event"
assert_eq 0 "$(psql_q "SELECT root FROM bt_metap('case_events_notice_idx')")" \
  "no notice entry for the way in (the live feed tells none of it): the index has no root page"
# The clocks (086): a state in force is indexed by its deadline, not its span.
assert_eq 0 "$(psql_q "SELECT count(*) FROM gist_page_items(get_raw_page('task_clocks_span_idx', 0), 'task_clocks_span_idx')")" \
  "no GiST entry for a completion state in force"
assert_eq 3 "$(psql_q "SELECT count(*) FROM bt_page_items('task_clocks_open_due_idx', 1)")" \
  "the three tasks' completion states in force, by their deadline"
# (the tests' server commits without waiting for the flush, and WAL is read
# only up to the flushed end)
wal_end=$(psql_q "SELECT pg_current_wal_insert_lsn()")
flushed() { [[ "$(psql_q "SELECT pg_current_wal_flush_lsn() >= '$wal_end'")" == t ]]; }
wait_until 10 flushed
assert_eq "3|0" "$(psql_q "SELECT count(*) FILTER (WHERE record_type LIKE 'INSERT%'),
  count(*) FILTER (WHERE record_type = 'HEAP_CONFIRM')
  FROM pg_get_wal_records_info('$wal_start', '$wal_end')
  WHERE resource_manager = 'Heap' AND block_ref ~ ('/' || pg_relation_filenode('tasks') || ' ')")" \
  "three lead tasks inserted, none speculatively"
# The hand-off is the case's state (078): no outbox row on the way in, and
# each case listed between stages once, from intake to dispatch.
assert_eq "0|3|3" "$(psql_q "SELECT
  count(*) FILTER (WHERE block_ref ~ ('/' || pg_relation_filenode('outbox') || ' ')),
  count(*) FILTER (WHERE record_type LIKE 'INSERT%' AND block_ref ~ ('/' || pg_relation_filenode('case_handoffs') || ' ')),
  count(*) FILTER (WHERE record_type = 'DELETE' AND block_ref ~ ('/' || pg_relation_filenode('case_handoffs') || ' '))
  FROM pg_get_wal_records_info('$wal_start', '$wal_end') WHERE resource_manager = 'Heap'")" \
  "no outbox row written; each case listed between stages and taken off once"
assert_eq 0 "$(psql_q "SELECT count(*) FROM outbox WHERE destination IN ('triage', 'dispatch')")" "no message stored"

# --- The follow-up's reference, checked by the database: an event of the
# case it names is accepted, an event of another case refused.
psql_q "INSERT INTO open311_clients (name, key_sha256) VALUES ('test', sha256('k'))" > /dev/null
read -r first second <<< "$(psql_q "SELECT min(id), max(id) FROM cases" -F ' ')"
event_of_second=$(psql_q "SELECT min(id) FROM case_events WHERE case_id = $second")
psql_q "INSERT INTO open311_updates (client_id, update_id, case_id, event_id)
  SELECT id, 'u1', $second, $event_of_second FROM open311_clients" > /dev/null
refused=$(psql_q "INSERT INTO open311_updates (client_id, update_id, case_id, event_id)
  SELECT id, 'u2', $first, $event_of_second FROM open311_clients" 2>&1 || true)
assert_contains "$refused" "violates foreign key constraint \"open311_updates_event_fkey\"" \
  "a follow-up naming another case's event is refused"
assert_eq 1 "$(psql_q "SELECT count(*) FROM open311_updates")" "only the follow-up of its own case stored"
assert_references_hold
echo "PASS way_in_keys"
