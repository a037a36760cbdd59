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

# Every kind listed, in a batch without idempotency keys (intake's plain
# statement) and in one with them (the full one): the requester's e-mail,
# the callback phone, and a clean case beside them.
harness_ctl watchlist add --email bad@example.com --reason 恶意邮件 > /dev/null
harness_ctl watchlist add --phone 13000000888 --reason 恶意来电 > /dev/null
post() {
  curl -s -H "$(auth_as op001)" -H 'Content-Type: application/json' "$@" "$H_INTAKE_URL/api/v1/cases" \
    | jq -r .case_number
}
body() { printf '{"channel":"hotline","kind":"complaint","subject":"电子秤","description":"缺斤短两","requester":{"name":"某","%s":"%s"}%s}' "$1" "$2" "${3:-}"; }
for keyed in "" "-H Idempotency-Key:wl-"; do
  by_email=$(post ${keyed:+${keyed}1} -d "$(body email bad@example.com)")
  by_callback=$(post ${keyed:+${keyed}2} -d "$(body phone 13000000999 ',"callback_phone":"13000000888"')")
  clean=$(post ${keyed:+${keyed}3} -d "$(body email good@example.com)")
  for n in "$by_email" "$by_callback" "$clean"; do [[ "$n" =~ ^DB ]] || fail "accepted: $n"; done
  assert_eq "t,t,f" "$(psql_q "SELECT string_agg(CASE WHEN flagged THEN 't' ELSE 'f' END, ',' ORDER BY id) FROM cases WHERE case_number IN ('$by_email', '$by_callback', '$clean')")" \
    "the e-mail and the callback phone flag their cases, the clean one is not (${keyed:-no key})"
done
echo "PASS intake_watchlist"
