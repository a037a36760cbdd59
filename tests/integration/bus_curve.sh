# The bus is CURVE-secured (common/bus_curve.h): a socket without a listed
# key gets nothing and sends nothing that is accepted. Before, a rogue PULL
# on intake's output took half of the new cases and a SUB on dispatch's feed
# read every division's tasks. Here, while cases flow:
#   - rogue PULLs on intake's output (no security, and CURVE with a key of
#     their own) receive no case, and every case reaches dispatch;
#   - rogue SUBs on dispatch's feed receive nothing, while dubanctl's listed
#     key on the same feed receives the tasks (the tool can listen);
#   - a rogue DEALER on dispatch's console gets no answer, a listed one does;
#   - a listed key reaches only the sockets its service is a client of:
#     dubanctl's key cannot read intake's output, watch's cannot read
#     dispatch's feed, web's gets no answer from dispatch's console;
#   - with intake stopped, a rogue PUSH bound at intake's address (playing
#     intake without its secret key) cannot deliver a message to triage;
#   - a service without its key refuses to start and says what to do.
source "$(dirname "$0")/../lib/harness.sh"
harness_init bus_curve
harness_start intake triage dispatch
INJECT=$DUBAN_BIN_DIR/bus_inject
ROGUE_S=6 # how long each rogue listens, while cases flow

cases_dispatched() { psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'"; }
all_dispatched() { [[ "$(cases_dispatched)" == "$1" ]]; }
logged() { grep -q -- "$1" "$H_DIR/$2.log"; }
submit_some() { # N: submit N cases, print nothing
  local i
  for ((i = 0; i < $1; i++)); do
    harness_ctl submit --channel hotline --kind complaint --operator op001 --category metrology \
      --subject "加密总线 $i" --description '电子秤缺斤短两' >/dev/null 2>&1 || fail "submit $i failed"
  done
}

# --- rogue PULLs on intake's output -----------------------------------------
"$INJECT" pull "$H_INTAKE_OUT" "$ROGUE_S" >"$H_DIR/pull_plain" &
pull_plain=$!
BUS_INJECT_KEY=rogue BUS_INJECT_SERVER_KEY=$(harness_bus_key intake) \
  "$INJECT" pull "$H_INTAKE_OUT" "$ROGUE_S" >"$H_DIR/pull_curve" &
pull_curve=$!
BUS_INJECT_KEY=$H_DIR/secrets/bus_ctl.key BUS_INJECT_SERVER_KEY=$(harness_bus_key intake) \
  "$INJECT" pull "$H_INTAKE_OUT" "$ROGUE_S" >"$H_DIR/pull_ctl" &
pull_ctl=$!
# intake's ZAP handler refused the stranger's key and dubanctl's: the rogues are there now
wait_until 5 logged "msg=\"refused a bus connection\" from=[^ ]* socket=intake.out as=[^ ]* reason=\"[^\"]*not on the allow-list" intake
wait_until 5 logged "msg=\"refused a bus connection\" from=[^ ]* socket=intake.out as=ctl reason=\"its key may not connect to this socket\"" intake
submit_some 12
wait_until 20 all_dispatched 12
wait "$pull_plain" || fail "rogue PULL (no security) failed to run"
wait "$pull_curve" || fail "rogue PULL (CURVE) failed to run"
wait "$pull_ctl" || fail "PULL with dubanctl's key failed to run"
assert_eq 0 "$(<"$H_DIR/pull_plain")" "cases received by a rogue PULL without security"
assert_eq 0 "$(<"$H_DIR/pull_curve")" "cases received by a rogue PULL with an unlisted key"
assert_eq 0 "$(<"$H_DIR/pull_ctl")" "cases received on intake's output with dubanctl's key"

# --- SUBs on dispatch's feed -------------------------------------------------
"$INJECT" sub "$H_DISPATCH_PUB" "$ROGUE_S" >"$H_DIR/sub_plain" &
sub_plain=$!
BUS_INJECT_KEY=rogue BUS_INJECT_SERVER_KEY=$(harness_bus_key dispatch) \
  "$INJECT" sub "$H_DISPATCH_PUB" "$ROGUE_S" >"$H_DIR/sub_curve" &
sub_curve=$!
BUS_INJECT_KEY=$H_DIR/secrets/bus_ctl.key BUS_INJECT_SERVER_KEY=$(harness_bus_key dispatch) \
  "$INJECT" sub "$H_DISPATCH_PUB" "$ROGUE_S" >"$H_DIR/sub_listed" &
sub_listed=$!
BUS_INJECT_KEY=$H_DIR/secrets/bus_watch.key BUS_INJECT_SERVER_KEY=$(harness_bus_key dispatch) \
  "$INJECT" sub "$H_DISPATCH_PUB" "$ROGUE_S" >"$H_DIR/sub_watch" &
sub_watch=$!
wait_until 5 logged "msg=\"refused a bus connection\" from=[^ ]* socket=dispatch.feed as=[^ ]* reason=\"[^\"]*not on the allow-list" dispatch
wait_until 5 logged "msg=\"refused a bus connection\" from=[^ ]* socket=dispatch.feed as=watch reason=\"its key may not connect to this socket\"" dispatch
submit_some 8
wait_until 20 all_dispatched 20
wait "$sub_plain" || fail "rogue SUB (no security) failed to run"
wait "$sub_curve" || fail "rogue SUB (CURVE) failed to run"
wait "$sub_listed" || fail "listed SUB failed to run"
wait "$sub_watch" || fail "SUB with watch's key failed to run"
assert_eq 0 "$(<"$H_DIR/sub_plain")" "messages read by a rogue SUB without security"
assert_eq 0 "$(<"$H_DIR/sub_curve")" "messages read by a rogue SUB with an unlisted key"
assert_eq 0 "$(<"$H_DIR/sub_watch")" "messages read from dispatch's feed with watch's key"
(($(<"$H_DIR/sub_listed") >= 8)) || fail "the listed SUB read $(<"$H_DIR/sub_listed") messages, expected at least 8 tasks"

# --- DEALERs on dispatch's console --------------------------------------------
assert_eq 0 "$("$INJECT" ask "$H_DISPATCH_CONSOLE" 3)" "answers to a console request without security"
assert_eq 0 "$(BUS_INJECT_KEY=rogue BUS_INJECT_SERVER_KEY=$(harness_bus_key dispatch) \
  "$INJECT" ask "$H_DISPATCH_CONSOLE" 3)" "answers to a console request with an unlisted key"
assert_eq 0 "$(BUS_INJECT_KEY=$H_DIR/secrets/bus_web.key BUS_INJECT_SERVER_KEY=$(harness_bus_key dispatch) \
  "$INJECT" ask "$H_DISPATCH_CONSOLE" 3)" "answers to a console request with web's key"
assert_eq 1 "$(BUS_INJECT_KEY=$H_DIR/secrets/bus_ctl.key BUS_INJECT_SERVER_KEY=$(harness_bus_key dispatch) \
  "$INJECT" ask "$H_DISPATCH_CONSOLE" 3)" "answers to a console request with dubanctl's key"

# --- a rogue PUSH playing intake, into triage ---------------------------------
rejected() { [[ "$(curl -s "$H_TRIAGE_HEALTH_URL")" =~ \"rejected\":\ ?([0-9]+) ]] && echo "${BASH_REMATCH[1]}"; }
harness_stop intake
before=$(psql_q "SELECT count(*) FROM case_events")
rc=0
"$INJECT" push "$H_INTAKE_OUT" CASE_RECEIVED 2>"$H_DIR/push_plain.err" || rc=$?
assert_eq 1 "$rc" "a rogue PUSH without security could not send"
rc=0
BUS_INJECT_KEY=rogue "$INJECT" push "$H_INTAKE_OUT" CASE_RECEIVED 2>"$H_DIR/push_curve.err" || rc=$?
assert_eq 1 "$rc" "a rogue PUSH with a key of its own (not intake's) could not send"
assert_eq 0 "$(rejected)" "messages triage received from the rogues"
assert_eq "$before" "$(psql_q "SELECT count(*) FROM case_events")" "nothing stored from the rogues"
if grep -q "msg_id=00000000-0000-4000-8000-0000000000" "$H_DIR/triage.log"; then
  fail "triage logged a rogue's message"
fi
# the real intake is back and its cases flow
harness_start intake
submit_some 1
wait_until 20 all_dispatched 21

# --- a service without its key does not start -----------------------------------
mkdir -p "$H_DIR/empty-secrets"
cp "$H_DIR/secrets/fingerprint.key" "$H_DIR/empty-secrets/"
rc=0
out=$(DUBAN_SECRETS_DIR=$H_DIR/empty-secrets DUBAN_TRIAGE_HEALTH=127.0.0.1:0 \
  timeout 10 "$DUBAN_BIN_DIR/duban-triage" --config "$H_CONF" 2>&1) || rc=$?
assert_eq 1 "$rc" "duban-triage without its bus key exits 1"
assert_contains "$out" "run dubanctl keys" "duban-triage says what to do"
# dubanctl keys keeps what exists
keys_before=$(cat "$H_DIR/secrets/bus_public.keys")
harness_ctl keys >/dev/null
assert_eq "$keys_before" "$(cat "$H_DIR/secrets/bus_public.keys")" "a second dubanctl keys keeps every key"
assert_eq 600 "$(stat -c %a "$H_DIR/secrets/bus_dispatch.key")" "mode of a secret key"
echo "PASS bus_curve"
