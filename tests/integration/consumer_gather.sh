# A stage with a gather window (triage.gather_ms, consumer_gather_window in
# common/consumer.h) lets a batch wait for more messages while they come in,
# up to 32, and sends a message that ends a quiet spell at once. The window
# here is far longer than any wait below, so what is triaged in time was sent
# by one of those two rules, not by the window running out.
export DUBAN_LOG_LEVEL=warn
export DUBAN_TRIAGE_GATHER_MS=30000
# No re-send while cases wait in triage's hands: the test counts what it holds.
export DUBAN_OUTBOX_RESEND_MS=600000
source "$(dirname "$0")/../lib/harness.sh"
harness_init consumer_gather
harness_start intake triage

submit() {
  harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
    --subject "$1" --description '计量器具' 2>/dev/null > /dev/null
}
health() { curl -s --max-time 5 "$H_TRIAGE_HEALTH_URL" | jq -r ".$1"; }
triaged() { [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'triaged'")" == "$1" ]]; }

# The first message after a quiet spell: at once, though the window is 30 s.
submit 第一件
wait_until 15 triaged 1
assert_eq 1 "$(health transactions)" "the first case alone, in one transaction"

# 32 more in quick succession: held until there are 32, then one transaction.
for i in $(seq 1 32); do submit "随后的 $i"; done
wait_until 15 triaged 33
assert_eq 2 "$(health transactions)" "the 32 that came in together, in one transaction"
assert_eq 0 "$(health held)" "nothing held once 32 went"

# Three more while messages still come in: they wait for more, held, until
# the window closes.
for i in 1 2 3; do submit "再后的 $i"; done
held_three() { [[ "$(health held)" == 3 ]]; }
wait_until 15 held_three
assert_eq 33 "$(psql_q "SELECT count(*) FROM cases WHERE state = 'triaged'")" \
  "the three wait in the window"
wait_until 60 triaged 36
assert_eq 3 "$(health transactions)" "the three, in one transaction when the window closed"
assert_eq 36 "$(health applied)" "every message applied once"
echo "PASS consumer_gather"
