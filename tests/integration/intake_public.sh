# The public side: the web form and its JSON twin accept cases without a
# token and hand out a case number and query code; the status page and API
# need both and show no personal data; a flood from one address gets 429.
export DUBAN_INTAKE_PUBLIC_SUBMITS_PER_MINUTE=8
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_public
harness_start

pub_post() { # BODY: JSON submission; status printed, reply in $H_DIR/r
  curl -s -o "$H_DIR/r" -D "$H_DIR/h" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$1" "$H_INTAKE_URL/api/v1/public/cases"
}

# JSON: accepted, first responder from the roster, number and code returned.
assert_eq 201 "$(pub_post '{"channel":"web","kind":"complaint","subject":"网购山寨耳机","description":"收到的耳机是假冒品牌","requester":{"name":"赵六","phone":"13600000000"}}')" "public JSON case"
reply=$(cat "$H_DIR/r")
[[ "$reply" =~ \"case_number\":\ ?\"(DB[0-9]+)\" ]] || fail "no case number: $reply"
number=${BASH_REMATCH[1]}
[[ "$reply" =~ \"query_code\":\ ?\"([2-9A-HJ-NP-Z]{8})\" ]] || fail "no query code: $reply"
code=${BASH_REMATCH[1]}
assert_not_contains "$reply" "first_responder" "staff names are not handed to the public"
[[ "$(psql_q "SELECT first_responder FROM cases WHERE case_number = '$number'")" =~ ^op00[123]$ ]] || fail "no on-duty first responder"
assert_eq 0 "$(psql_q "SELECT count(*) FROM cases WHERE encode(query_code_sha256, 'escape') LIKE '%$code%'")" "query code kept hashed"

# Public cases may not choose staff-only fields.
assert_eq 422 "$(pub_post '{"channel":"web","kind":"complaint","subject":"s","description":"d","first_responder":"op001"}')" "no first responder from outside"
assert_eq 422 "$(pub_post '{"channel":"hotline","kind":"complaint","subject":"s","description":"d"}')" "web channel only"
assert_eq 400 "$(pub_post '{"channel":"web","kind":"complaint","subject":""}')" "bad input named"
assert_contains "$(cat "$H_DIR/r")" '"title":"缺少必填项"' "in Chinese"
assert_contains "$(cat "$H_DIR/r")" '"field":"subject"' "with the field"

# Status: with the code, without personal data; wrong or missing code refused.
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$number'")" == dispatched ]]; }
wait_until 10 dispatched
status=$(curl -s -o "$H_DIR/s" -w '%{http_code}' "$H_INTAKE_URL/api/v1/public/cases/$number?code=$code")
assert_eq 200 "$status" "status with the right code"
s=$(cat "$H_DIR/s")
assert_contains "$s" '"state":"dispatched"' "state shown"
assert_contains "$s" '"handled_by":"稽查局"' "the division handling it"
assert_contains "$s" '"label":"转承办单位"' "timeline in Chinese"
for secret in 13600000000 赵六 假冒品牌 op00; do
  assert_not_contains "$s" "$secret" "public status hides $secret"
done
assert_eq 404 "$(curl -s -o "$H_DIR/s" -w '%{http_code}' "$H_INTAKE_URL/api/v1/public/cases/$number?code=AAAAAAAA")" "wrong code"
wrong=$(cat "$H_DIR/s")
assert_eq 404 "$(curl -s -o "$H_DIR/s" -w '%{http_code}' "$H_INTAKE_URL/api/v1/public/cases/DB20990101000001?code=$code")" "unknown number"
assert_eq "$wrong" "$(cat "$H_DIR/s")" "the same answer for a wrong code and an unknown number"
assert_eq 400 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/api/v1/public/cases/$number")" "code required"

# HTML: the form, a form post, the receipt and the status page.
page=$(curl -s "$H_INTAKE_URL/")
assert_contains "$page" '<form method="post" action="/report"' "form page"
assert_contains "$page" 'name="viewport"' "usable on a phone"
assert_contains "$page" '特种设备' "categories in Chinese"
assert_contains "$page" 'name="confidential"' "the requester may ask not to be published"
assert_contains "$page" '会在政务公开接口（Open311）中公布' "and is told what is published"
status=$(curl -s -o "$H_DIR/p" -w '%{http_code}' --data-urlencode kind=enquiry --data-urlencode subject='锅炉年检' \
  --data-urlencode description='单位锅炉年检怎么预约' --data-urlencode name=孙七 --data-urlencode phone=13500000000 \
  --data-urlencode anonymous=1 --data-urlencode confidential=1 "$H_INTAKE_URL/report")
assert_eq 201 "$status" "form post"
receipt=$(cat "$H_DIR/p")
[[ "$receipt" =~ (DB[0-9]{14}) ]] || fail "receipt without case number"
form_number=${BASH_REMATCH[1]}
[[ "$receipt" =~ class=\"code\"\>([2-9A-HJ-NP-Z]{8})\< ]] || fail "receipt without query code"
form_code=${BASH_REMATCH[1]}
assert_eq "web||13500000000|t|t" "$(psql_q "SELECT channel, coalesce(requester_name, ''), requester_phone, requester_anonymous, confidential FROM cases WHERE case_number = '$form_number'")" "anonymous form case stored without a name, confidential as asked"
html=$(curl -s "$H_INTAKE_URL/status?number=$form_number&code=$form_code")
assert_contains "$html" "$form_number" "status page"
[[ "$html" == *已* || "$html" == *待分办* ]] || fail "state label missing"
assert_not_contains "$html" "13500000000" "status page hides the phone"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/status?number=$form_number&code=ZZZZZZZZ")" "status page refuses a wrong code"
assert_eq 400 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary $'subject=\xff\xfe&kind=complaint&description=d' "$H_INTAKE_URL/report")" "invalid UTF-8 in a form"
assert_eq 400 "$(curl -s -o "$H_DIR/p" -w '%{http_code}' --data-binary 'kind=complaint&description=d' "$H_INTAKE_URL/report")" "form without subject"
assert_contains "$(cat "$H_DIR/p")" "请填写 标题" "the form names its own field, in Chinese"

# Fair roster: the acceptor with the fewest open cases gets the next one.
spread=$(psql_q "SELECT max(n) - min(n) FROM (SELECT count(*) n FROM cases GROUP BY first_responder) c")
(( spread <= 1 )) || fail "roster assignment is uneven: spread $spread"

# A flood from one address: 429 with Retry-After once over the limit. The
# limit counts per clock minute, and a flood may cross into the next one; 17
# submissions, sent well within a minute, put 9 into one minute or the other.
codes=""
for i in $(seq 1 17); do
  code=$(pub_post "{\"channel\":\"web\",\"kind\":\"complaint\",\"subject\":\"刷单 $i\",\"description\":\"d\"}")
  codes+="$code "
  [[ "$code" == 429 ]] && break
done
assert_contains "$codes" "429" "flood limited ($codes)"
assert_contains "$(cat "$H_DIR/h")" "Retry-After" "retry hint"
assert_contains "$(cat "$H_DIR/r")" '"status":429' "problem body"
echo "PASS intake_public"
