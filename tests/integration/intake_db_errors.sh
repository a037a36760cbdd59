# What PostgreSQL refuses never reaches a caller in PostgreSQL's words: a
# time it could not read is refused by intake's own validator before SQL
# (naming the field), and a real data exception, unique violation or
# missing column in any submission or read is answered with a problem in
# Chinese (400, 409, 500) without constraint names, values or SQL, on the
# staff API, the public JSON and form, and Open311. The log keeps the raw
# text and the SQLSTATE; nothing is stored by a refused submission.
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_db_errors
harness_start intake

# call AS METHOD PATH [BODY]: prints the status; the reply lands in $H_DIR/r.
call() {
  local who=$1 method=$2 path=$3 args=()
  [[ "$who" == - ]] || args+=(-H "$(auth_as "$who")")
  [[ -z "${4:-}" ]] || args+=(--data-binary "$4")
  curl -s -o "$H_DIR/r" -D "$H_DIR/h" -w '%{http_code}' -X "$method" "${args[@]}" "$H_INTAKE_URL$path"
}
reply() { cat "$H_DIR/r"; }
counts() { psql_q "SELECT (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM case_events) || '/' || (SELECT count(*) FROM outbox) || '/' || (SELECT count(*) FROM idempotency_keys)"; }
# no_internals WHAT: the reply carries none of PostgreSQL's words.
no_internals() {
  local r
  r=$(reply)
  for word in ERROR constraint violates duplicate 'Key (' relation column syntax 'out of range' \
    test_dup test_int test_gone SQLSTATE postgres; do
    assert_not_contains "$r" "$word" "$1: PostgreSQL's text"
  done
}
# han TEXT: TEXT holds a Chinese character.
han() { LC_ALL=C.UTF-8 grep -qP '\p{Han}' <<<"$1"; }
# chinese_problem STATUS WHAT: a problem+json answer with that status, title and detail in Chinese.
chinese_problem() {
  assert_contains "$(cat "$H_DIR/h")" "Content-Type: application/problem+json" "$2: problem+json"
  assert_contains "$(reply)" "\"status\":$1" "$2: status in the body"
  han "$(jq -r .title "$H_DIR/r")" || fail "$2: title not Chinese: $(reply)"
  han "$(jq -r .detail "$H_DIR/r")" || fail "$2: detail not Chinese: $(reply)"
  no_internals "$2"
}

key=$(harness_ctl open311 add-client db-errors --json | sed -n 's/.*"api_key": *"\([^"]*\)".*/\1/p')
[[ "$key" == o311_* ]] || fail "no Open311 key"

# 1. Times: a date that does not exist or a year outside 1990-2100 is named
# by the validator (PostgreSQL used to answer 500 with its own text, or
# store the year 1989).
before=$(counts)
for at in 2017-02-30T09:00:00+08:00 2017-13-01T09:00:00+08:00 1989-12-31T09:00:00+08:00 \
  2101-01-01T00:00:00+08:00 0001-01-01T00:00:00+08:00; do
  assert_eq 400 "$(call admin POST /api/v1/cases "{\"channel\":\"letter\",\"kind\":\"complaint\",\"subject\":\"s\",\"description\":\"d\",\"first_responder\":\"clerk001\",\"received_at\":\"$at\"}")" "received_at $at"
  assert_contains "$(reply)" '"field":"received_at"' "received_at $at named"
  no_internals "received_at $at"
done
assert_eq "$before" "$(counts)" "refused times store nothing"
assert_eq 201 "$(call admin POST /api/v1/cases '{"channel":"letter","kind":"complaint","subject":"s","description":"d","first_responder":"clerk001","received_at":"2016-02-29T09:00:00+08:00"}')" "a leap day is a date"
for d in 2026-02-30 1989-12-31 2101-01-01T00:00:00Z 2026-01-01T25:00:00; do
  assert_eq 400 "$(curl -s -o "$H_DIR/r" -w '%{http_code}' -G --data-urlencode "start_date=$d" "$H_INTAKE_URL/open311/v2/requests.json")" "Open311 start_date $d"
  han "$(jq -r '.[0].description' "$H_DIR/r")" || fail "Open311 $d: not Chinese: $(reply)"
done
assert_eq 200 "$(curl -s -o "$H_DIR/r" -w '%{http_code}' "$H_INTAKE_URL/open311/v2/requests.json?start_date=2016-02-29")" "Open311 leap day"

# 2. Real refusals of PostgreSQL on insert, provoked inside the database:
# a unique index on subjects (23505), a trigger that reads the description
# as a number (22P02) and one that reads a table that is not there (42P01).
psql_q "CREATE UNIQUE INDEX test_dup ON cases (subject) WHERE subject LIKE 'dup-%'" >/dev/null
psql_q "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  IF NEW.subject LIKE 'int-%' THEN PERFORM NEW.description::int; END IF;
  IF NEW.subject LIKE 'gone-%' THEN EXECUTE 'SELECT * FROM test_gone'; END IF;
  RETURN NEW;
END \$\$" >/dev/null
psql_q "CREATE TRIGGER test_refuse BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION test_refuse()" >/dev/null

hotline() { printf '{"channel":"hotline","kind":"complaint","subject":"%s","description":"%s"}' "$1" "$2"; }
web() { printf '{"channel":"web","kind":"complaint","subject":"%s","description":"%s"}' "$1" "$2"; }
assert_eq 201 "$(call op001 POST /api/v1/cases "$(hotline dup-1 first)")" "the first of two equal subjects"
before=$(counts)

assert_eq 409 "$(call op001 POST /api/v1/cases "$(hotline dup-1 second)")" "staff: unique violation"
chinese_problem 409 "staff: unique violation"
assert_eq 409 "$(call - POST /api/v1/public/cases "$(web dup-1 second)")" "public: unique violation"
chinese_problem 409 "public: unique violation"
assert_eq 400 "$(call op001 POST /api/v1/cases "$(hotline int-1 'secret-value-77')")" "staff: data exception"
chinese_problem 400 "staff: data exception"
assert_not_contains "$(reply)" "secret-value-77" "the value PostgreSQL quoted"
assert_eq 400 "$(call - POST /api/v1/public/cases "$(web int-1 'secret-value-77')")" "public: data exception"
chinese_problem 400 "public: data exception"
assert_eq 500 "$(call - POST /api/v1/public/cases "$(web gone-1 d)")" "public: internal error"
chinese_problem 500 "public: internal error"
assert_eq 500 "$(call op001 POST /api/v1/cases "$(hotline gone-1 d)")" "staff: internal error"
chinese_problem 500 "staff: internal error"

# The form answers with its page, the problem's detail in it.
status=$(curl -s -o "$H_DIR/r" -w '%{http_code}' --data-urlencode kind=complaint --data-urlencode subject=dup-1 \
  --data-urlencode description=d "$H_INTAKE_URL/report")
assert_eq 409 "$status" "form: unique violation"
assert_contains "$(reply)" "未保存" "form: says nothing was stored"
no_internals "form"

# Open311: its subject is the description's start, so the description decides.
o311() { # DESCRIPTION [FMT]: prints the status
  curl -s -o "$H_DIR/r" -D "$H_DIR/h" -w '%{http_code}' --data-urlencode "api_key=$key" \
    --data-urlencode service_code=metrology --data-urlencode "description=$1" \
    "$H_INTAKE_URL/open311/v2/requests.${2:-json}"
}
assert_eq 409 "$(o311 dup-1)" "Open311: first dup-1 is a unique violation already"
[[ "$(reply)" =~ ^\[\{\"code\":409,\"description\":\"[^\"]*未保存 ]] || fail "Open311 409: $(reply)"
no_internals "Open311 JSON"
assert_eq 409 "$(o311 dup-1 xml)" "Open311 XML: unique violation"
assert_eq 409 "$(xmllint --xpath 'string(/errors/error/code)' "$H_DIR/r")" "Open311 XML code"
no_internals "Open311 XML"
assert_eq 500 "$(o311 gone-2)" "Open311: internal error"
no_internals "Open311 500"

assert_eq "$before" "$(counts)" "nothing stored by any refusal"
grep -q 'msg="postgresql refused a statement" op="insert case" status=409 sqlstate=23505 constraint=test_dup err="duplicate key value violates unique constraint \\"test_dup\\""$' "$H_DIR/intake.log" ||
  fail "the log keeps PostgreSQL's text with the SQLSTATE"
grep -q 'sqlstate=22P02' "$H_DIR/intake.log" || fail "data exception logged"
grep -q 'sqlstate=42P01 constraint=- err="relation \\"test_gone\\" does not exist"$' "$H_DIR/intake.log" || fail "internal error logged"

# 3. Reads that PostgreSQL refuses: a column renamed under intake's
# prepared statements.
psql_q "DROP TRIGGER test_refuse ON cases" >/dev/null
number=$(psql_q "SELECT case_number FROM cases ORDER BY id LIMIT 1")
restore() { psql_q "ALTER TABLE cases RENAME COLUMN place_gone TO place" >/dev/null 2>&1 || true; }
harness_on_exit restore
psql_q "ALTER TABLE cases RENAME COLUMN place TO place_gone" >/dev/null
assert_eq 500 "$(call op001 GET "/api/v1/cases/$number")" "staff read"
chinese_problem 500 "staff read"
assert_eq 500 "$(curl -s -o "$H_DIR/r" -w '%{http_code}' "$H_INTAKE_URL/open311/v2/requests.json")" "Open311 read"
han "$(jq -r '.[0].description' "$H_DIR/r")" || fail "Open311 read: not Chinese: $(reply)"
no_internals "Open311 read"
grep -q 'msg="postgresql refused a statement" op="read open311 requests" status=500 sqlstate=' "$H_DIR/intake.log" || fail "Open311 read failure logged"
restore
assert_eq 200 "$(call op001 GET "/api/v1/cases/$number")" "reads work again"
echo "PASS intake_db_errors"
