# Abuse: a number on the watch list is still accepted and recorded
# (acceptance is never refused) but flagged, so metrics can leave it out.
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_watchlist
harness_start intake

harness_ctl watchlist add --phone 13000000666 --reason '反复恶意来电' > /dev/null
assert_contains "$(harness_ctl watchlist list)" "13000000666" "listed"
flood=$(harness_ctl submit --operator op001 --kind complaint --subject 骚扰 --description 重复无理投诉 --phone 13000000666)
normal=$(harness_ctl submit --operator op001 --kind complaint --subject 电子秤 --description 缺斤短两 --phone 13000000777)
[[ "$flood" =~ ^DB ]] || fail "watched number refused: $flood"
assert_eq t "$(psql_q "SELECT flagged FROM cases WHERE case_number = '$flood'")" "flagged"
assert_eq f "$(psql_q "SELECT flagged FROM cases WHERE case_number = '$normal'")" "others not flagged"
assert_contains "$(psql_q "SELECT detail::text FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$flood'")" '"flagged": true' "recorded in the timeline"
harness_ctl watchlist remove --phone 13000000666 > /dev/null
again=$(harness_ctl submit --operator op001 --kind complaint --subject 骚扰 --description 又来了 --phone 13000000666)
assert_eq f "$(psql_q "SELECT flagged FROM cases WHERE case_number = '$again'")" "no longer flagged after removal"
echo "PASS intake_watchlist"
