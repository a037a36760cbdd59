# Intake's group commit with a gather window (intake.gather_ms,
# intake_commit_gather_window, common/gather.h): while cases keep coming in,
# a batch that could go waits for more, up to 32; a case that ends a quiet
# spell goes at once. The window here is far longer than any wait below, so
# a case committed in time was sent by one of those two rules, not by the
# window running out. Each batch is one transaction, so the cases it inserted
# share one xmin.
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
cases() { psql_q "SELECT count(*) FROM cases"; }
transactions() { psql_q "SELECT count(DISTINCT xmin::text) FROM cases WHERE subject LIKE '$1%'"; }
waiting() { curl -s --max-time 5 "$H_INTAKE_URL/healthz" | jq -r .cases_waiting; }

# The first case after a quiet spell: answered at once, though the window is
# 15 s.
start=$SECONDS
submit 第一件 || fail "the first case was not accepted"
((SECONDS - start < 12)) || fail "the first case waited $((SECONDS - start)) s: the window"
assert_eq 1 "$(cases)" "the first case, stored"

# 32 in quick succession: held until there are 32, then one transaction.
pids=()
for i in $(seq 1 32); do
  submit "随后的 $i" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "a case of the 32 was not accepted"; done
assert_eq 33 "$(cases)" "the 32, stored"
assert_eq 1 "$(transactions 随后的)" "the 32 that came in together, in one transaction"

# Three more while cases still come in: they wait for more, unanswered and
# not stored, until the window closes; then in one transaction.
pids=()
for i in 1 2 3; do
  submit "再后的 $i" &
  pids+=($!)
done
three_waiting() { [[ "$(waiting)" == 3 ]]; }
wait_until 15 three_waiting
assert_eq 33 "$(cases)" "the three wait in the window"
for pid in "${pids[@]}"; do wait "$pid" || fail "a case of the three was not accepted"; done
assert_eq 36 "$(cases)" "the three, stored once the window closed"
assert_eq 1 "$(transactions 再后的)" "the three, in one transaction"
echo "PASS intake_gather"
