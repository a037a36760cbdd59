# Open311 GeoReport v2 (with mySociety's service request updates) against
# real PostgreSQL and the whole pipeline: services in XML and JSON, a case
# filed with an api_key and followed until dispatch, public reads that never
# show the requester, Open311 errors in both formats, refused posts that
# store nothing, clients that hang up mid-request, and a database outage.
# (What the public may not see, and the rate limit of reads, are
# public_privacy.sh's; this test reads more than a client a minute.)
export DUBAN_INTAKE_PUBLIC_LOOKUPS_PER_MINUTE=100000
export DUBAN_INTAKE_OPEN311_JURISDICTIONS=zj.gov.cn,zjzj.gov.cn
source "$(dirname "$0")/../lib/harness.sh"
harness_init open311
harness_start

command -v xmllint >/dev/null || fail "xmllint not found: install libxml2-utils"
O=$H_INTAKE_URL/open311/v2

# get PATH [CURL_ARGS...] / post PATH [CURL_ARGS...]: print the HTTP status;
# the body lands in $H_DIR/body, the headers in $H_DIR/headers.
get() {
  curl -s -o "$H_DIR/body" -D "$H_DIR/headers" -w '%{http_code}' "${@:2}" "$O/$1"
}
post() {
  curl -s -o "$H_DIR/body" -D "$H_DIR/headers" -w '%{http_code}' "${@:2}" "$O/$1"
}
body() { cat "$H_DIR/body"; }
headers() { cat "$H_DIR/headers"; }
# xpath EXPR: evaluates EXPR on the XML body (which must be well-formed).
xpath() {
  xmllint --noout "$H_DIR/body" || fail "not well-formed XML: $(body)"
  xmllint --xpath "$1" "$H_DIR/body"
}
is_json() { assert_contains "$(headers)" "Content-Type: application/json; charset=utf-8" "${1:-JSON}"; }
is_xml() { assert_contains "$(headers)" "Content-Type: text/xml; charset=utf-8" "${1:-XML}"; }

# An Open311 client and its key (shown once).
out=$(harness_ctl open311 add-client test-client --json)
[[ "$out" =~ \"api_key\":\ *\"(o311_[0-9a-f]{64})\" ]] || fail "no api_key in: $out"
key=${BASH_REMATCH[1]}
assert_eq 1 "$(psql_q "SELECT count(*) FROM open311_clients WHERE name = 'test-client' AND revoked_at IS NULL AND key_sha256 = sha256(convert_to('$key', 'UTF8'))")" \
  "only the key's SHA-256 is stored"
assert_contains "$(harness_ctl open311 list-clients)" "test-client" "list-clients"
if harness_ctl open311 add-client test-client >/dev/null 2>&1; then
  fail "a client name was given twice"
fi

# Services.
assert_eq 200 "$(get services.xml)" "services.xml"
is_xml "services.xml"
assert_eq "特种设备" "$(xpath 'string(/services/service[service_code="special-equipment"]/service_name)')" "service name"
assert_eq "特种设备安全监察处" "$(xpath 'string(/services/service[service_code="special-equipment"]/group)')" "service group"
assert_eq "true" "$(xpath 'string(/services/service[service_code="special-equipment"]/metadata)')" "metadata"
assert_eq "realtime" "$(xpath 'string(/services/service[service_code="metrology"]/type)')" "type"
assert_contains "$(xpath 'string(/services/service[service_code="special-equipment"]/keywords)')" "电梯,锅炉" "keywords"
assert_eq 200 "$(get services.json)" "services.json"
is_json "services.json"
assert_contains "$(body)" '{"service_code":"special-equipment","service_name":"特种设备",' "JSON service"
assert_contains "$(body)" '"metadata":true,"type":"realtime","keywords":"电梯,锅炉' "JSON service fields"
assert_contains "$(body)" '"group":"特种设备安全监察处"' "JSON group"
assert_eq 200 "$(get services/metrology.xml)" "service definition"
assert_eq "kind" "$(xpath 'string(/service_definition/attributes/attribute[order=1]/code)')" "kind attribute"
assert_eq "instrument" "$(xpath 'string(/service_definition/attributes/attribute[order=2]/code)')" "the category's attributes from the org file"
assert_eq "singlevaluelist|false|计量器具种类" "$(xpath 'concat(string(//attribute[code="instrument"]/datatype), "|", string(//attribute[code="instrument"]/required), "|", string(//attribute[code="instrument"]/description))')" "attribute fields"
assert_eq "加油机" "$(xpath 'string(//attribute[code="instrument"]/values/value[1]/key)')" "list values"
assert_eq 200 "$(get services/special-equipment.xml)" "a required attribute"
assert_eq "true" "$(xpath 'string(//attribute[code="equipment"]/required)')" "equipment is required"
assert_eq "3" "$(xpath 'count(//attribute[code="enterprise" or code="place_detail" or code="equipment"])')" "special equipment's attributes"
assert_eq 200 "$(get services.xml?jurisdiction_id=zjzj.gov.cn)" "a configured jurisdiction"
assert_eq 404 "$(get services.xml?jurisdiction_id=elsewhere.gov.cn)" "an unknown jurisdiction"
assert_eq 404 "$(xpath 'string(/errors/error/code)')" "unknown jurisdiction in XML errors"
assert_contains "$(xpath 'string(/errors/error/description)')" "jurisdiction_id" "unknown jurisdiction explained"
assert_eq 200 "$(get services/metrology.json)" "service definition (JSON)"
assert_contains "$(body)" '{"key":"enquiry","name":"咨询"}' "kind values"
assert_eq 404 "$(get services/weather.xml)" "unknown service"
assert_eq 404 "$(xpath 'string(/errors/error/code)')" "unknown service in XML errors"
assert_eq 404 "$(get services.csv)" "unknown format"
is_json "unknown format"
assert_contains "$(body)" '[{"code":404,"description":' "unknown format in JSON errors"

# A case filed by the client.
description="加油站加油机计量不准，加200元只有25升"
status=$(post requests.json --data-urlencode "api_key=$key" --data-urlencode service_code=metrology \
  --data-urlencode "description=$description" --data-urlencode lat=30.2741 --data-urlencode long=120.1551 \
  --data-urlencode email=zhang.san@example.com --data-urlencode first_name=三 --data-urlencode last_name=张 \
  --data-urlencode phone=13800002222 --data-urlencode "address_string=杭州市西湖区文三路1号" \
  --data-urlencode jurisdiction_id=zj.gov.cn --data-urlencode device_id=abc \
  --data-urlencode media_url=https://example.com/p.jpg)
[[ "$status" == 200 || "$status" == 201 ]] || fail "POST requests.json: status $status: $(body)"
is_json "POST requests.json"
[[ "$(body)" =~ ^\[\{\"service_request_id\":\"(DB[0-9]{14})\",\"service_notice\":\"[^\"]+\",\"account_id\":null\}\] ]] ||
  fail "not a list of one request: $(body)"
id=${BASH_REMATCH[1]}
assert_contains "$(headers)" "Location: /open311/v2/requests/$id.json" "location"
assert_eq "open311|complaint|metrology|open311:test-client|张三|13800002222|zhang.san@example.com|30.2741|120.1551|杭州市西湖区文三路1号|" \
  "$(psql_q "SELECT channel, kind, category, source, requester_name, requester_phone, requester_email, latitude, longitude, place, coalesce(recorded_by, '') FROM cases WHERE case_number = '$id'")" \
  "stored case"
grep -q "case=$id .*media_url=ignored" "$H_DIR/intake.log" || fail "ignored media_url not logged"

# A kind from attribute[kind], a Latin name, an address without coordinates.
# (Not a report: reports are never published, so it could not be read back.)
status=$(post requests.xml --data-urlencode "api_key=$key" --data-urlencode service_code=special-equipment \
  --data-urlencode "description=小区电梯年检标志过期" --data-urlencode "attribute[kind]=suggestion" \
  --data-urlencode "attribute[equipment]=电梯" --data-urlencode "attribute[place_detail]=3号楼2单元" \
  --data-urlencode first_name=Ann --data-urlencode last_name=Lee --data-urlencode "address_string=文一路")
[[ "$status" == 200 || "$status" == 201 ]] || fail "POST requests.xml: status $status: $(body)"
is_xml "POST requests.xml"
id2=$(xpath 'string(/service_requests/request/service_request_id)')
[[ "$id2" =~ ^DB[0-9]{14}$ ]] || fail "no case number in $(body)"
assert_eq "suggestion|Ann Lee|文一路 3号楼2单元||电梯" "$(psql_q "SELECT kind, requester_name, place, coalesce(latitude::text, ''), product FROM cases WHERE case_number = '$id2'")" \
  "second case, its attributes in the case's fields"
assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" --data-urlencode service_code=special-equipment \
  --data-urlencode "description=锅炉冒烟")" "a required attribute missing"
assert_contains "$(body)" "attribute[equipment]" "names the attribute"
assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" --data-urlencode service_code=special-equipment \
  --data-urlencode "description=锅炉冒烟" --data-urlencode "attribute[equipment]=拖拉机")" "a value not in the list"
assert_eq 404 "$(post requests.json --data-urlencode "api_key=$key" --data-urlencode service_code=metrology \
  --data-urlencode "description=电子秤不准" --data-urlencode jurisdiction_id=elsewhere.gov.cn)" "POST to an unknown jurisdiction"

# Followed until dispatch, through the public API only.
dispatched() {
  [[ "$(get "requests/$id.json")" == 200 && "$(body)" == *'"agency_responsible":"计量处"'* ]]
}
wait_until 20 dispatched
b=$(body)
is_json "GET requests/{id}.json"
assert_contains "$b" "[{\"service_request_id\":\"$id\",\"status\":\"open\",\"status_notes\":\"已转办\"" "request JSON"
assert_contains "$b" '"service_name":"计量","service_code":"metrology"' "service"
assert_contains "$b" "\"description\":\"$description\"" "description"
assert_contains "$b" '"address":"杭州市西湖区文三路1号"' "address"
assert_contains "$b" '"lat":30.2741,"long":120.1551' "coordinates"
assert_contains "$b" '"detailed_status":"ACTION_SCHEDULED"' "mySociety status"
assert_contains "$b" '"service_notice":null' "JSON null for an absent value"
[[ "$b" =~ \"expected_datetime\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+08:00\" ]] ||
  fail "expected_datetime (the completion deadline) not ISO 8601 with +08:00: $b"
[[ "$b" =~ \"requested_datetime\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+08:00\" ]] ||
  fail "requested_datetime not ISO 8601 with +08:00: $b"
for secret in 13800002222 zhang.san example.com 张三; do
  assert_not_contains "$b" "$secret" "requester data in JSON"
done
assert_eq 200 "$(get "requests/$id.xml")" "GET requests/{id}.xml"
is_xml "GET requests/{id}.xml"
assert_eq "$id" "$(xpath 'string(/service_requests/request/service_request_id)')" "XML id"
assert_eq "open" "$(xpath 'string(/service_requests/request/status)')" "XML status"
assert_eq "metrology" "$(xpath 'string(/service_requests/request/service_code)')" "XML service_code"
assert_eq "计量处" "$(xpath 'string(/service_requests/request/agency_responsible)')" "XML agency"
[[ "$(xpath 'string(/service_requests/request/requested_datetime)')" =~ ^[0-9-]{10}T[0-9:]{8}\+08:00$ ]] ||
  fail "XML requested_datetime: $(body)"
for secret in 13800002222 zhang.san example.com 张三; do
  assert_not_contains "$(body)" "$secret" "requester data in XML"
done

# Lists and their filters.
assert_eq 200 "$(get "requests.json?service_code=metrology&status=open")" "list"
assert_contains "$(body)" "\"service_request_id\":\"$id\"" "listed"
assert_not_contains "$(body)" "$id2" "other services filtered out"
assert_eq 200 "$(get "requests.json?service_code=metrology&status=closed")" "closed list"
assert_eq "[]" "$(body)" "no closed case"
start=$(TZ=Asia/Shanghai date -d '-1 hour' +%Y-%m-%dT%H:%M:%S+08:00)
end=$(TZ=Asia/Shanghai date -d '+1 hour' +%Y-%m-%dT%H:%M:%S+08:00)
assert_eq 200 "$(get requests.json -G --data-urlencode "start_date=$start" --data-urlencode "end_date=$end")" "window"
assert_contains "$(body)" "$id" "case inside the window"
assert_contains "$(body)" "$id2" "both cases inside the window"
# newest first
[[ "$(body)" == *"$id2"*"$id"* ]] || fail "not newest first: $(body)"
assert_eq 200 "$(get "requests.xml?start_date=2020-01-01T00:00:00Z&end_date=2020-01-31")" "past window"
assert_eq 0 "$(xpath 'count(/service_requests/request)')" "nothing in a past window"
# '+' left unencoded arrives as a space and is understood
assert_eq 200 "$(get "requests.json?start_date=${start%+08:00}+08:00")" "unencoded plus"
assert_contains "$(body)" "$id" "unencoded plus still filters correctly"
assert_eq 200 "$(get "requests.xml?service_request_id=$id,$id2,DB20990101000001&service_code=fiber")" "id list"
assert_eq 2 "$(xpath 'count(/service_requests/request)')" "ids override other filters"

# mySociety's updates.
assert_eq 200 "$(get servicerequestupdates.json)" "updates"
is_json "updates"
assert_contains "$(body)" "\"service_request_id\":\"$id\",\"status\":\"INVESTIGATING\"" "triage update"
assert_contains "$(body)" "\"service_request_id\":\"$id\",\"status\":\"ACTION_SCHEDULED\"" "dispatch update"
assert_contains "$(body)" "已转交计量处办理" "update text"
assert_eq 200 "$(get servicerequestupdates.xml -G --data-urlencode "start_date=$start")" "updates XML"
assert_eq "ACTION_SCHEDULED" \
  "$(xpath "string(/service_request_updates/request_update[service_request_id='$id'][status='ACTION_SCHEDULED']/status)")" \
  "XML update"
[[ "$(xpath "string(/service_request_updates/request_update[service_request_id='$id'][status='ACTION_SCHEDULED']/update_id)")" =~ ^[0-9]+$ ]] ||
  fail "update_id: $(body)"
assert_eq 200 "$(get "servicerequestupdates.xml?end_date=2020-01-01")" "past updates"
assert_eq 0 "$(xpath 'count(//request_update)')" "no updates in a past window"

# Refused: nothing stored, Open311 errors in the format asked for.
cases_before=$(psql_q "SELECT count(*) FROM cases")
events_before=$(psql_q "SELECT count(*) FROM case_events")
good=(--data-urlencode service_code=metrology --data-urlencode "description=电子秤不准")

assert_eq 403 "$(post requests.json --data-urlencode "api_key=o311_wrong" "${good[@]}")" "unknown key"
is_json "403 JSON"
[[ "$(body)" =~ ^\[\{\"code\":403,\"description\":\"[^\"]*api_key ]] || fail "403 JSON error: $(body)"
assert_eq 403 "$(post requests.xml --data-urlencode "api_key=o311_wrong" "${good[@]}")" "unknown key (XML)"
is_xml "403 XML"
assert_eq 403 "$(xpath 'string(/errors/error/code)')" "403 XML error code"
assert_contains "$(xpath 'string(/errors/error/description)')" "api_key" "403 XML description"
assert_eq 403 "$(post requests.json "${good[@]}")" "missing key"
assert_contains "$(body)" "缺少 api_key" "missing key explained (in Chinese)"

harness_ctl open311 add-client gone-client >"$H_DIR/gone.key"
harness_ctl open311 revoke-client gone-client >/dev/null
assert_eq 403 "$(post requests.json --data-urlencode "api_key=$(cat "$H_DIR/gone.key")" "${good[@]}")" "revoked key"
assert_contains "$(harness_ctl open311 list-clients --json)" '"revoked_at": "' "revocation listed"

assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" --data-urlencode "description=电子秤不准")" "missing service_code"
assert_contains "$(body)" '"code":400' "400 in JSON"
assert_contains "$(body)" "service_code" "names service_code"
assert_eq 400 "$(post requests.xml --data-urlencode "api_key=$key" --data-urlencode service_code=weather --data-urlencode "description=d")" "unknown service_code"
assert_eq 400 "$(xpath 'string(/errors/error/code)')" "400 XML error code"
assert_contains "$(xpath 'string(/errors/error/description)')" "service_code" "names service_code (XML)"
assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" --data-urlencode service_code=metrology)" "missing description"
assert_contains "$(body)" "缺少 description" "names description"
assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" "${good[@]}" --data-urlencode lat=30.1)" "lat without long"
assert_contains "$(body)" "long" "names long"
assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" "${good[@]}" --data-urlencode lat=nan --data-urlencode long=1)" "lat not a number"
assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" "${good[@]}" --data-urlencode phone=call-me)" "bad phone"
assert_contains "$(body)" "phone 只能包含数字" "names phone, in Chinese"
assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" "${good[@]}" --data-urlencode email=nobody)" "bad email"
assert_eq 400 "$(post requests.json --data-urlencode "api_key=$key" "${good[@]}" --data-urlencode "attribute[kind]=praise")" "bad kind"
assert_eq 400 "$(post requests.json --data-binary "api_key=$key&service_code=metrology&description=%FF%FE")" "invalid UTF-8"
assert_eq 415 "$(post requests.json -F "api_key=$key" -F service_code=metrology -F description=d)" "multipart refused"
head -c 70000 /dev/zero | tr '\0' 'a' >"$H_DIR/big"
assert_eq 413 "$(post requests.json --data-binary "@$H_DIR/big")" "oversize body"
assert_eq 405 "$(curl -s -o "$H_DIR/body" -w '%{http_code}' -X POST -d x=1 "$O/services.json")" "POST on services"
assert_eq 403 "$(post servicerequestupdates.json --data-urlencode "api_key=o311_wrong" --data-urlencode "service_request_id=$id" \
  --data-urlencode update_id=1 --data-urlencode updated_datetime=2026-01-01T10:00:00+08:00 --data-urlencode status=OPEN \
  --data-urlencode "description=补充")" "an update with an unknown key"
assert_eq "$cases_before" "$(psql_q "SELECT count(*) FROM cases")" "no case stored by refused posts"
assert_eq "$events_before" "$(psql_q "SELECT count(*) FROM case_events")" "no event stored by refused posts"

assert_eq 404 "$(get requests/DB20990101000001.json)" "unknown request"
assert_eq '[{"code":404,"description":"没有这个编号的服务请求（service_request_id），或它不公开"}]' "$(body)" "404 JSON"
assert_eq 404 "$(get requests/DB20990101000001.xml)" "unknown request (XML)"
assert_eq 404 "$(xpath 'string(/errors/error/code)')" "404 XML"
assert_eq 404 "$(get "requests/%27%3B--.json")" "request id with SQL"
assert_eq 400 "$(get "requests.json?start_date=2026-13-45")" "impossible date"
assert_eq 400 "$(get "requests.json?start_date=yesterday")" "not a date"
assert_eq 400 "$(get "requests.json?status=pending")" "unknown status"
assert_eq 404 "$(get nothing.json)" "unknown resource"

# Clients that hang up while their request waits on PostgreSQL: a lock on
# cases holds intake's connection for four seconds (its statements run in
# order), the clients give up, the late answers must go nowhere. The first
# post got past its key check before the lock bit, so its case is stored
# (acceptance is never refused) although its client never hears of it.
gave_up() {
  local rc=0
  curl -s -o /dev/null -m 0.3 "$@" || rc=$?
  assert_eq 28 "$rc" "client timed out: ${*: -1}"
}
cases_before=$(psql_q "SELECT count(*) FROM cases")
"${PSQL[@]}" -c "BEGIN; LOCK TABLE cases IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;" >/dev/null &
lock_pid=$!
locked() { [[ "$(psql_q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'cases' AND l.granted AND l.mode = 'AccessExclusiveLock'")" == 1 ]]; }
wait_until 5 locked
gave_up --data-urlencode "api_key=$key" "${good[@]}" "$O/requests.xml"
gave_up --data-urlencode "api_key=o311_wrong" "${good[@]}" "$O/requests.json"
gave_up "$O/requests.json"
gave_up "$O/requests/$id.xml"
gave_up "$O/servicerequestupdates.xml"
wait "$lock_pid"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/healthz")" "intake survives clients that leave"
assert_eq 200 "$(get "requests/$id.json")" "and still answers"
assert_eq $((cases_before + 1)) "$(psql_q "SELECT count(*) FROM cases")" "the post that passed its key check is stored"

# The database goes away: 503 in Open311's format, then recovery.
admin_q() {
  psql -X -q -At -h 127.0.0.1 -p "$H_PGPORT" -U duban -d postgres -v ON_ERROR_STOP=1 -c "$1" >/dev/null
}
reopen() { admin_q "ALTER DATABASE $H_DB ALLOW_CONNECTIONS true"; }
harness_on_exit reopen
admin_q "ALTER DATABASE $H_DB ALLOW_CONNECTIONS false"
admin_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$H_DB'"
unavailable() { [[ "$(get "requests/$id.xml")" == 503 ]]; }
wait_until 10 unavailable
assert_eq 503 "$(xpath 'string(/errors/error/code)')" "503 in XML errors"
assert_contains "$(headers)" "Retry-After" "retry hint"
assert_eq 503 "$(post requests.json --data-urlencode "api_key=$key" "${good[@]}")" "POST while down"
assert_contains "$(body)" '"code":503' "503 in JSON errors"
reopen
recovered() { [[ "$(get "requests/$id.json")" == 200 ]]; }
wait_until 15 recovered

echo "PASS open311"
