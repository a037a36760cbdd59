# What the public sees: a hotline 举报 with the informant's name and phone
# in its text, a complaint written down by an operator, a case an
# administrator entered as a web case, a web case its requester asked to
# keep confidential, an Open311 report and an Open311 case staff marked
# confidential appear on no public path (Open311 requests in every form,
# servicerequestupdates, the public status page and JSON with the case's own
# query code, the form page); an Open311 read of any of them answers
# exactly as an unknown id does. Cases the public filed itself are listed.
# Open311 reads are rate-limited per address like the status page.
export DUBAN_INTAKE_PUBLIC_LOOKUPS_PER_MINUTE=100000
source "$(dirname "$0")/../lib/harness.sh"
harness_init public_privacy
harness_start

O=$H_INTAKE_URL/open311/v2
key=$(harness_ctl open311 add-client privacy-test --json | sed -n 's/.*"api_key": *"\([^"]*\)".*/\1/p')
[[ "$key" == o311_* ]] || fail "no Open311 key"

# number_code REPLY: prints "number code" of a case's first answer.
number_code() {
  local n c
  n=$(jq -r '.case_number // empty' <<<"$1")
  c=$(jq -r '.query_code // empty' <<<"$1")
  [[ "$n" =~ ^DB[0-9]+$ && "$c" =~ ^[0-9A-Z]{8}$ ]] || fail "case refused: $1"
  echo "$n $c"
}
# staff AS BODY: files a case through the staff API; prints "number code".
staff() {
  number_code "$(curl -s -H "$(auth_as "$1")" --data-binary "$2" "$H_INTAKE_URL/api/v1/cases")"
}
# public BODY: files a case through the public JSON endpoint; prints "number code".
public() {
  number_code "$(curl -s --data-binary "$1" "$H_INTAKE_URL/api/v1/public/cases")"
}
# o311 ARGS...: files a case as the Open311 client; prints its number.
o311() {
  local out
  out=$(curl -s --data-urlencode "api_key=$key" --data-urlencode service_code=metrology "$@" "$O/requests.json")
  [[ "$out" =~ \"service_request_id\":\"(DB[0-9]+)\" ]] || fail "Open311 case refused: $out"
  echo "${BASH_REMATCH[1]}"
}

# The hidden ones.
read -r report report_code < <(staff op001 '{"channel":"hotline","kind":"report","category":"metrology","subject":"举报加油站作弊","description":"举报人李明，电话13912345678，文三路88号加油站改装加油机","requester":{"name":"李明","phone":"13912345678"},"place":"杭州市文三路88号","location":{"lat":30.1111,"long":120.2222}}')
read -r staffcase _ < <(staff op001 '{"channel":"hotline","kind":"complaint","category":"metrology","subject":"电子秤","description":"staff-written 来电人王芳13700001234反映菜场电子秤不准","place":"菜场东门","location":{"lat":30.3333,"long":120.4444}}')
read -r adminweb _ < <(staff admin '{"channel":"web","kind":"complaint","category":"metrology","subject":"代录","description":"admin-web-marker 管理员代录","first_responder":"op002"}')
read -r secret secret_code < <(public '{"channel":"web","kind":"complaint","category":"metrology","subject":"邻居","description":"confidential-marker 张三家门口的电子秤","confidential":true}')
o311report=$(o311 --data-urlencode "description=open311-report-marker 举报电话13911112222" \
  --data-urlencode "attribute[kind]=report" --data-urlencode lat=30.5555 --data-urlencode long=120.6666)
# The public ones.
read -r webcase _ < <(public '{"channel":"web","kind":"complaint","category":"metrology","subject":"加油机","description":"public-visible-marker 加油机不准","place":"文一路"}')
o311case=$(o311 --data-urlencode "description=open311-visible-marker 电子秤" --data-urlencode lat=30.7777 --data-urlencode long=120.8888)
marked=$(o311 --data-urlencode "description=marked-later-marker 隔壁李四的秤")

# Staff mark the last one confidential; an operator may not take it back.
call_conf() { # AS VALUE NUMBER: prints the status; reply in $H_DIR/conf
  curl -s -o "$H_DIR/conf" -w '%{http_code}' -H "$(auth_as "$1")" --data-binary "{\"confidential\":$2}" \
    "$H_INTAKE_URL/api/v1/cases/$3/confidential"
}
assert_eq 200 "$(call_conf op001 true "$marked")" "an operator marks a case confidential"
assert_contains "$(cat "$H_DIR/conf")" '"confidential":true,"changed":true,"public":false' "marked"
assert_eq 200 "$(call_conf op001 true "$marked")" "marking twice"
assert_contains "$(cat "$H_DIR/conf")" '"changed":false' "the second time changes nothing"
assert_eq 1 "$(psql_q "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$marked' AND e.type = 'confidential' AND e.actor = 'op001'")" "one event"
assert_eq 403 "$(call_conf op001 false "$marked")" "an operator does not unmark"
assert_eq 403 "$(call_conf h-metrology true "$marked")" "a division does not mark"
assert_eq 404 "$(call_conf op001 true DB20990101000001)" "unknown case"
assert_eq 400 "$(call_conf op001 '"yes"' "$marked")" "not a boolean"
assert_eq 200 "$(curl -s -o "$H_DIR/staffread" -w '%{http_code}' -H "$(auth_as op001)" "$H_INTAKE_URL/api/v1/cases/$report")" "staff read"
assert_contains "$(cat "$H_DIR/staffread")" '"confidential":false,"public":false' "staff see a report is not public"

all_routed() {
  [[ "$(psql_q "SELECT count(*) FROM cases WHERE state = 'dispatched'")" == 8 ]]
}
wait_until 20 all_routed

# Everything the public can read, into one file.
: >"$H_DIR/open311"
read_all() { # PATH: appends the body; fails unless 200
  local status
  status=$(curl -s -o "$H_DIR/b" -w '%{http_code}' "$O/$1")
  assert_eq 200 "$status" "GET $1"
  cat "$H_DIR/b" >>"$H_DIR/open311"
}
ids="$report,$staffcase,$adminweb,$secret,$o311report,$webcase,$o311case,$marked"
for fmt in json xml; do
  read_all "requests.$fmt"
  read_all "requests.$fmt?status=open"
  read_all "requests.$fmt?service_code=metrology"
  read_all "requests.$fmt?start_date=2016-01-01&end_date=2100-01-01"
  read_all "requests.$fmt?service_request_id=$ids"
  read_all "servicerequestupdates.$fmt"
  read_all "servicerequestupdates.$fmt?start_date=2016-01-01"
done
all=$(cat "$H_DIR/open311")
for shown in "$webcase" "$o311case" public-visible-marker open311-visible-marker 30.7777; do
  assert_contains "$all" "$shown" "public cases are listed"
done
assert_contains "$all" "\"service_request_id\":\"$o311case\",\"status\":\"ACTION_SCHEDULED\"" "their updates too"
for hidden in "$report" "$staffcase" "$adminweb" "$secret" "$o311report" "$marked"; do
  assert_not_contains "$all" "$hidden" "Open311 lists no hidden case"
done

# One at a time: exactly the answer of an unknown id.
for fmt in json xml; do
  unknown_status=$(curl -s -o "$H_DIR/unknown" -w '%{http_code}' "$O/requests/DB20990101000001.$fmt")
  assert_eq 404 "$unknown_status" "unknown id ($fmt)"
  for hidden in "$report" "$staffcase" "$adminweb" "$secret" "$o311report" "$marked"; do
    assert_eq 404 "$(curl -s -o "$H_DIR/one" -w '%{http_code}' "$O/requests/$hidden.$fmt")" "$hidden.$fmt"
    assert_eq "$(cat "$H_DIR/unknown")" "$(cat "$H_DIR/one")" "$hidden.$fmt answers as an unknown id"
    cat "$H_DIR/one" >>"$H_DIR/open311"
  done
  assert_eq 200 "$(curl -s -o "$H_DIR/one" -w '%{http_code}' "$O/requests/$o311case.$fmt")" "a public case ($fmt)"
done

# The status page and its JSON, with each hidden case's own query code.
: >"$H_DIR/status"
for pair in "$report:$report_code" "$secret:$secret_code"; do
  n=${pair%%:*} c=${pair#*:}
  assert_eq 200 "$(curl -s -o "$H_DIR/b" -w '%{http_code}' "$H_INTAKE_URL/api/v1/public/cases/$n?code=$c")" "status JSON $n"
  cat "$H_DIR/b" >>"$H_DIR/status"
  assert_eq 200 "$(curl -s -o "$H_DIR/b" -w '%{http_code}' "$H_INTAKE_URL/status?number=$n&code=$c")" "status page $n"
  cat "$H_DIR/b" >>"$H_DIR/status"
done
assert_contains "$(cat "$H_DIR/status")" "计量处" "the status shows who handles it"
curl -s "$H_INTAKE_URL/" >>"$H_DIR/status"

all=$(cat "$H_DIR/open311" "$H_DIR/status")
for secret_text in 13912345678 李明 文三路88号 30.1111 120.2222 13700001234 王芳 staff-written 菜场东门 30.3333 \
  admin-web-marker confidential-marker 张三 open311-report-marker 13911112222 30.5555 marked-later-marker 李四 op00; do
  assert_not_contains "$all" "$secret_text" "no public path shows it"
done

# An inspector makes the marked case public again.
assert_eq 200 "$(call_conf insp001 false "$marked")" "the inspection office unmarks"
assert_eq 200 "$(curl -s -o "$H_DIR/one" -w '%{http_code}' "$O/requests/$marked.json")" "public again"
assert_contains "$(cat "$H_DIR/one")" "marked-later-marker" "with its text"

# Reads are counted per address in the status page's bucket: a client at
# another address gets its limit's worth, then 429 in Open311's format.
harness_stop intake
DUBAN_INTAKE_PUBLIC_LOOKUPS_PER_MINUTE=5 harness_start intake
codes=()
for i in $(seq 1 11); do
  codes+=("$(curl -s -o "$H_DIR/rl" -D "$H_DIR/rlh" -w '%{http_code}' --interface 127.0.0.3 "$O/requests/$o311case.json")")
  [[ "${codes[-1]}" == 429 ]] && cp "$H_DIR/rl" "$H_DIR/limited" && cp "$H_DIR/rlh" "$H_DIR/limitedh"
done
assert_eq "200 200 200 200 200" "${codes[*]:0:5}" "the limit's worth of reads"
assert_contains "${codes[*]}" 429 "then 429 (${codes[*]})"
assert_contains "$(cat "$H_DIR/limitedh")" "Retry-After: 60" "retry hint"
[[ "$(cat "$H_DIR/limited")" =~ ^\[\{\"code\":429,\"description\":\"[^\"]+\"\}\]$ ]] || fail "429 in Open311's format: $(cat "$H_DIR/limited")"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.3 "$O/services.json")" "the service list is not counted"
grep -q "msg=\"rate limited open311 read\" peer=127.0.0.0/24$" "$H_DIR/intake.log" || fail "rate limit not logged"
# A citizen's address is personal data: logs keep only its network (/24).
grep -q "127\.0\.0\.3" "$H_DIR/intake.log" && fail "intake logged a citizen's whole address"
echo "PASS public_privacy"
