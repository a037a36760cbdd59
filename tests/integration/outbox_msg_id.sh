# Outbox message ids begin with the time (046, issue 13): a random id put
# each new row at a random leaf of the msg_id index, and after every
# checkpoint each such leaf was written whole to the WAL. Every producer's
# rows get a UUIDv7-shaped id from the one generator, duban_msg_id(): the
# version 7, the RFC 9562 variant, the time of the insert in its first 48
# bits, so that rows written one after another have ids in the same order;
# the generator is inlined where it is called (047).
# A message taken by the socket while triage's connection is still being
# made can be lost with it: sent again after this.
export DUBAN_OUTBOX_RESEND_MS=1000
source "$(dirname "$0")/../lib/harness.sh"
harness_init outbox_msg_id
# Intake alone first, then triage, then dispatch: a case's messages on its
# way in are stored only when the next stage does not take them (078), here
# each written by its producer's hand-off.
harness_start intake
# Every row written, kept here for the test: an acknowledgement deletes its
# message's row, and console messages of lead tasks are sent unstored.
psql_q "CREATE TABLE test_seen AS SELECT * FROM outbox WITH NO DATA;
  CREATE FUNCTION test_seen_keep() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS
  \$\$ BEGIN INSERT INTO test_seen SELECT NEW.*; RETURN NULL; END \$\$;
  CREATE TRIGGER test_seen_keep AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION test_seen_keep()" > /dev/null

stored() { [[ "$(psql_q "SELECT count(*) FROM test_seen WHERE producer = '$1'")" == "$2" ]]; }
cases=()
for i in 1 2 3 4 5 6; do
  cases+=("$(harness_ctl submit --channel hotline --kind complaint --operator op001 \
    --subject "网购假货 $i" --description 以次充好 --category e-commerce)")
  wait_until 5 stored intake "$i" # one after another
done
harness_start triage
wait_until 10 stored triage 6
harness_start dispatch
dispatched() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == 6 ]]; }
wait_until 20 dispatched

# Every producer on the way in wrote its rows with such ids (dispatch the
# console messages of the co-handling tasks e-commerce cases get).
cohandled() { [[ "$(psql_q "SELECT count(*) FROM test_seen WHERE producer = 'dispatch'")" == 6 ]]; }
wait_until 20 cohandled
assert_eq "dispatch,intake,triage" "$(psql_q "SELECT string_agg(DISTINCT producer, ',' ORDER BY producer) FROM test_seen")" \
  "the three producers wrote rows"
assert_eq 0 "$(psql_q "SELECT count(*) FROM test_seen WHERE substr(msg_id::text, 15, 1) <> '7'
  OR substr(msg_id::text, 20, 1) NOT IN ('8', '9', 'a', 'b')")" "version 7 and the RFC 9562 variant"
# The first 48 bits are the insert's time in Unix milliseconds: not before
# the row's transaction began, and not long after.
ms() { echo "('x' || substr(replace(msg_id::text, '-', ''), 1, 12))::bit(48)::bigint"; }
assert_eq 0 "$(psql_q "SELECT count(*) FROM test_seen WHERE $(ms) < floor(extract(epoch FROM created_at) * 1000)
  OR $(ms) > extract(epoch FROM created_at) * 1000 + 60000")" "the time of the insert"
# Cases accepted one after another: their messages' ids in the same order.
assert_eq "$(IFS=,; echo "${cases[*]}")" \
  "$(psql_q "SELECT string_agg(case_number, ',' ORDER BY msg_id) FROM test_seen WHERE producer = 'intake'")" \
  "ids in the order of the inserts"

# The generator alone: unique, and version 7 however many are drawn at once.
assert_eq "10000|10000" "$(psql_q "SELECT count(DISTINCT id) || '|' || count(*) FILTER (WHERE substr(id::text, 15, 1) = '7')
  FROM (SELECT duban_msg_id() AS id FROM generate_series(1, 10000)) g")" "10,000 distinct ids"

# Inlined into the statement that calls it (a SQL function whose body has
# no FROM): not run as a statement of its own for every row.
plan=$(psql_q "EXPLAIN VERBOSE SELECT duban_msg_id() FROM generate_series(1, 3)")
assert_contains "$plan" "gen_random_uuid()" "the generator's expression in the plan"
assert_not_contains "$plan" "duban_msg_id()" "no call of the function"

echo "PASS outbox_msg_id"
