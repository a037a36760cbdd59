# The chaos soak's short run: tools/soak on a deployment of its own, 200 cases
# at 15 a second while a fault is injected every 2 seconds (kill -9 of a
# service, PostgreSQL restarted, Redis flushed and restarted, a service
# stopped longer than the re-send period); every acknowledged case is stored
# once, dispatched once, with its whole timeline, and nothing is parked.
source "$(dirname "$0")/../lib/harness.sh"
harness_init soak_short
mkdir -p "$H_DIR/soak"
DUBAN_UP_NO_BUILD=1 DUBAN_SOAK_DIR=$H_DIR/soak "$DUBAN_SOURCE_DIR/tools/soak" --cases 200 --rate 15 --fault-every 2 \
  >"$H_DIR/soak.out" 2>&1 || { tail -40 "$H_DIR/soak.out" >&2; fail "the soak lost, duplicated or parked something"; }
cat "$H_DIR/soak.out"
out=$(cat "$H_DIR/soak.out")
for kind in kill9 pg_restart redis_restart redis_flush sigstop; do
  [[ "$out" =~ $kind=([0-9]+) ]] && ((BASH_REMATCH[1] >= 1)) || fail "no $kind fault was injected"
done
assert_contains "$out" "cases acknowledged    200 of 200" "every case acknowledged"
for k in "lost                  0" "duplicated            0" "dispatched twice      0" \
  "not dispatched        0" "timeline broken       0" "parked messages       0"; do
  assert_contains "$out" "$k" "$k"
done
echo "PASS soak_short"
