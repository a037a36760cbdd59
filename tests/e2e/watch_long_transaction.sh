# Watch is told of task changes at commit, not by polling updated_at
# (issue 13). updated_at is the writing transaction's start time: tasks
# committed by a transaction held open longer than the old poll's overlap
# (2 s) were behind its watermark when they became visible and were never
# armed, so their deadlines passed without an alert. Here tasks are inserted
# and moved by transactions held open 3 × that overlap, and each still
# alerts. Then watch's PostgreSQL connection is cut while such a transaction
# commits: nothing is told to a connection that is down, so the reconnect
# rebuilds the index, and that task alerts too.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init watch_long_transaction
harness_start

submit() { harness_ctl submit --channel hotline --kind complaint --operator op001 "$@"; }
task_of() { psql_q "SELECT t.id FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$1'"; }
a=$(submit --subject '电子秤' --description '缺斤短两' --category metrology)
b=$(submit --subject '棉被' --description '絮用纤维不合格' --category fiber)
c=$(submit --subject '收费' --description '检验收费过高' --category fees)
have_tasks() { [[ -n "$(task_of "$a")" && -n "$(task_of "$b")" && -n "$(task_of "$c")" ]]; }
wait_until 15 have_tasks
ta=$(task_of "$a"); tb=$(task_of "$b"); tc=$(task_of "$c")
# The first round's tasks are signed at once, so they raise nothing of
# their own that could pass for the tasks below.
harness_ctl sign "$a" --as h-metrology > /dev/null
harness_ctl sign "$b" --as h-fiber > /dev/null
harness_ctl sign "$c" --as h-finance > /dev/null

breached() { # TASK...: each has a response breach
  local t
  for t in "$@"; do
    [[ "$(psql_q "SELECT count(*) FROM alerts WHERE task_id = $t AND deadline = 'response' AND kind = 'breach'")" == 1 ]] || return 1
  done
}

# --- New tasks committed by a transaction held open 6 s: their response
# deadline falls 1 s after the commit (updated_at = the transaction's start).
new_ids=$(harness_psql -v ON_ERROR_STOP=1 <<SQL | grep -E '^[0-9]+$'
BEGIN;
INSERT INTO tasks (case_id, division, role, round, state, dispatched_at, response_due,
                   response_warn, completion_due, completion_warn, updated_at)
SELECT case_id, division, role, round + 1, 'dispatched', now(), now() + interval '7 s',
       now() + interval '3 s', now() + interval '60 s', now() + interval '30 s', now()
FROM tasks WHERE id IN ($ta, $tb) RETURNING id;
SELECT pg_sleep(6);
COMMIT;
SQL
)
[[ $(wc -w <<< "$new_ids") == 2 ]] || fail "two tasks inserted: $new_ids"
# shellcheck disable=SC2086
wait_until 20 breached $new_ids

# --- A deadline moved by a transaction held open 6 s: the moved deadline,
# long before the old one (60 s away), raises the breach.
harness_psql -v ON_ERROR_STOP=1 > /dev/null <<SQL
UPDATE tasks SET response_due = now() + interval '60 s', response_warn = now() + interval '50 s',
                 state = 'dispatched', signed_at = NULL, handler = NULL, updated_at = now()
WHERE id = $tc;
SQL
# wait until watch has armed the far deadline, then move it close in a long transaction
sleep 1
harness_psql -v ON_ERROR_STOP=1 > /dev/null <<SQL
BEGIN;
UPDATE tasks SET response_due = now() + interval '7 s', response_warn = now() + interval '3 s',
                 updated_at = now()
WHERE id = $tc;
SELECT pg_sleep(6);
COMMIT;
SQL
breach_in_time() { breached "$tc"; }
wait_until 20 breach_in_time
assert_eq t "$(psql_q "SELECT a.raised_at < t.response_due + interval '30 s' FROM alerts a JOIN tasks t ON t.id = a.task_id WHERE a.task_id = $tc AND a.kind = 'breach' AND a.deadline = 'response'")" \
  "the breach came at the moved deadline, not at the one before it"

# --- Watch's connection cut while a long transaction commits: the reconnect
# rebuilds the index, which arms what was committed meanwhile.
harness_psql -v ON_ERROR_STOP=1 > "$H_DIR/cut.out" 2>&1 <<SQL &
BEGIN;
INSERT INTO tasks (case_id, division, role, round, state, dispatched_at, response_due,
                   response_warn, completion_due, completion_warn, updated_at)
SELECT case_id, division, role, round + 2, 'dispatched', now(), now() + interval '4 s',
       now() + interval '2 s', now() + interval '60 s', now() + interval '30 s', now()
FROM tasks WHERE id = $ta RETURNING id;
SELECT pg_sleep(2);
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'duban-watch';
COMMIT;
SQL
psql_pid=$!
wait "$psql_pid" || fail "the transaction committed ($(cat "$H_DIR/cut.out"))"
cut_id=$(grep -E '^[0-9]+$' "$H_DIR/cut.out" | head -1)
[[ -n "$cut_id" ]] || fail "a task inserted while watch's connection was cut"
cut_breached() { breached "$cut_id"; }
wait_until 25 cut_breached
echo "PASS watch_long_transaction"
