# Intake's group commit with a gather window (intake.gather_ms,
# intake_commit_gather_window, common/gather.h): while callers keep coming
# in together, a batch that could go waits for more, up to 32; a case that
# ends a quiet spell goes at once, and so does each case of a caller that
# sends one after another (it waits for its answer, so it brings no company
# a batch could wait for). The window here is far longer than any wait
# below, so a case committed in time was sent by one of those rules, not by
# the window running out. Each batch is one transaction, so the cases it
# inserted share one xmin.
export DUBAN_LOG_LEVEL=warn
# (15 s: dubanctl waits 30 s for an answer)
export DUBAN_INTAKE_GATHER_MS=15000
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_gather
harness_start intake

submit() {
  harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
    --subject "$1" --description '计量器具' > /dev/null 2>&1
}
cases() { psql_q "SELECT count(*) FROM cases WHERE subject LIKE '$1%'"; }
transactions() { psql_q "SELECT count(DISTINCT xmin::text) FROM cases WHERE subject LIKE '$1%'"; }
waiting() { curl -s --max-time 5 "$H_INTAKE_URL/healthz" | jq -r .cases_waiting; }
waiting_is() { [[ "$(waiting)" == "$1" ]]; }
wait_all() { # PIDS...: every submission in the background accepted
  local pid
  for pid in "$@"; do wait "$pid" || fail "a case submitted in the background was not accepted"; done
}

# The first case after a quiet spell: answered at once, though the window is
# 15 s.
start=$SECONDS
submit 第一件 || fail "the first case was not accepted"
((SECONDS - start < 12)) || fail "the first case waited $((SECONDS - start)) s: the window"
assert_eq 1 "$(cases 第一件)" "the first case, stored"

# A lone caller sending one case after another, each once answered: none
# waits.
start=$SECONDS
for i in 1 2 3 4 5; do submit "接连的 $i" || fail "case $i of the lone caller was not accepted"; done
((SECONDS - start < 12)) || fail "five cases one after another took $((SECONDS - start)) s: they waited"
assert_eq 5 "$(transactions 接连的)" "the lone caller's cases, each in its own transaction"

# Callers that wait together: intake's commit held by a lock on cases, one
# case in flight and 20 more waiting behind it.
PGAPPNAME=gather_holder "${PSQL[@]}" -c "BEGIN; LOCK TABLE cases IN SHARE MODE; SELECT pg_sleep(120); COMMIT" \
  > /dev/null 2>&1 &
holder=$!
holding() {
  [[ "$(psql_q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                 WHERE a.application_name = 'gather_holder' AND l.relation = 'cases'::regclass AND l.granted")" == 1 ]]
}
wait_until 10 holding
submit 先到的 &
pids=($!)
wait_until 15 waiting_is 1
for i in $(seq 1 20); do
  submit "同时的 $i" &
  pids+=($!)
done
wait_until 30 waiting_is 21
psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gather_holder'" > /dev/null
wait "$holder" || true
# The one in flight commits; the 20 that waited with others wait for more.
first_stored() { [[ "$(cases 先到的)" == 1 ]]; }
wait_until 10 first_stored
wait_until 10 waiting_is 20
assert_eq 0 "$(cases 同时的)" "the 20 wait for more"
# Twelve more make 32: one transaction, long before the window closes.
for i in $(seq 21 32); do
  submit "同时的 $i" &
  pids+=($!)
done
wait_all "${pids[@]}"
assert_eq 32 "$(cases 同时的)" "the 32, stored"
assert_eq 1 "$(transactions 同时的)" "the 32 callers that came in together, in one transaction"

# Three more while callers still come in: they wait for more, unanswered and
# not stored, until the window closes; then in one transaction.
pids=()
for i in 1 2 3; do
  submit "再后的 $i" &
  pids+=($!)
done
wait_until 15 waiting_is 3
assert_eq 0 "$(cases 再后的)" "the three wait in the window"
wait_all "${pids[@]}"
assert_eq 3 "$(cases 再后的)" "the three, stored once the window closed"
assert_eq 1 "$(transactions 再后的)" "the three, in one transaction"
echo "PASS intake_gather"
