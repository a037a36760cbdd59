# Terminal and log injection: control characters (ESC, BEL, CR, DEL, C1)
# are refused at every intake path -- the staff JSON API, the public JSON and
# form, Open311, CSV import, import-history and the workflow steps -- and
# whatever reaches dubanctl's output or a log anyway (an older row, a value
# no intake path checks) is escaped, so it can neither act on a terminal nor
# forge a line.
source "$(dirname "$0")/../lib/harness.sh"
harness_init control_characters
harness_start

cases() { psql_q "SELECT count(*) FROM cases"; }
# json_post PATH BODY [CURL_ARGS...]: status; the reply lands in $H_DIR/r.
json_post() {
  curl -s -o "$H_DIR/r" -w '%{http_code}' -H 'Content-Type: application/json' "${@:3}" \
    --data-binary "$2" "$H_INTAKE_URL$1"
}
staff_case() { # SUBJECT_JSON DESCRIPTION_JSON
  json_post /api/v1/cases "{\"channel\":\"hotline\",\"kind\":\"complaint\",\"subject\":$1,\"description\":$2}" \
    -H "$(auth_as op001)"
}
# no_raw_controls FILE WHAT: FILE holds no ESC, BEL, CR, DEL or C1 byte pair.
no_raw_controls() {
  if LC_ALL=C grep -q -P '[\x07\x0d\x1b\x7f]|\xc2[\x80-\x9f]' "$1"; then
    fail "$2: raw control characters in $(od -c "$1" | head -20)"
  fi
}

# --- The staff JSON API: each kind of control refused, naming the field.
before=$(cases)
assert_eq 400 "$(staff_case '"电梯\u001b[2J异响"' '"正常描述"')" "ESC in the subject"
assert_contains "$(cat "$H_DIR/r")" '"field":"subject"' "field named"
assert_contains "$(cat "$H_DIR/r")" 'U+001B' "character named"
assert_eq 400 "$(staff_case '"电梯异响"' '"响铃\u0007"')" "BEL in the description"
assert_contains "$(cat "$H_DIR/r")" '"field":"description"' "field named"
assert_eq 400 "$(staff_case '"电梯异响"' '"第一行\r伪造的第二行"')" "a lone CR rewrites a line"
assert_eq 400 "$(staff_case '"电梯异响"' '"C1 \u009b2J"')" "C1 CSI"
assert_eq 400 "$(staff_case '"电梯异响"' '"DEL \u007f"')" "DEL"
assert_eq 400 "$(staff_case '"两行\n标题"' '"描述"')" "a newline in a one-line field"
assert_eq 400 "$(json_post /api/v1/cases '{"channel":"hotline","kind":"complaint","subject":"s","description":"d","requester":{"name":"张\u001b三"}}' -H "$(auth_as op001)")" "ESC in the requester's name"
assert_contains "$(cat "$H_DIR/r")" '"field":"requester.name"' "nested field named"
assert_eq "$before" "$(cases)" "nothing stored"
# Newlines and tabs in a description are text; CR LF is kept as LF.
assert_eq 201 "$(staff_case '"电梯异响"' '"第一行\r\n第二行\t缩进"')" "CR LF and tab in a description"
[[ "$(cat "$H_DIR/r")" =~ \"case_number\":\ ?\"(DB[0-9]+)\" ]] || fail "no case number: $(cat "$H_DIR/r")"
multi=${BASH_REMATCH[1]}
assert_eq "1" "$(psql_q "SELECT count(*) FROM cases WHERE case_number = '$multi' AND description = E'第一行\\n第二行\\t缩进'")" "stored with LF"

# --- The public JSON and the public form.
before=$(cases)
assert_eq 400 "$(json_post /api/v1/public/cases '{"channel":"web","kind":"complaint","subject":"假冒\u001b]0;title\u0007","description":"d"}')" "public JSON"
status=$(curl -s -o "$H_DIR/p" -w '%{http_code}' --data-urlencode kind=complaint \
  --data-urlencode subject=$'锅炉\e[2J年检' --data-urlencode description='单位锅炉' "$H_INTAKE_URL/report")
[[ "$status" == 400 || "$status" == 422 ]] || fail "public form with ESC: status $status"
assert_eq "$before" "$(cases)" "nothing stored from the public"
assert_eq 201 "$(curl -s -o "$H_DIR/p" -w '%{http_code}' --data-urlencode kind=enquiry --data-urlencode subject='锅炉年检' \
  --data-urlencode description=$'第一行\r\n第二行' "$H_INTAKE_URL/report")" "a textarea's CR LF is a line end"
[[ "$(cat "$H_DIR/p")" =~ (DB[0-9]{14}) ]] || fail "receipt without case number"
assert_eq 1 "$(psql_q "SELECT count(*) FROM cases WHERE case_number = '${BASH_REMATCH[1]}' AND description = E'第一行\\n第二行'")" "form text stored with LF"

# --- Open311: refused in the description.
out=$(harness_ctl open311 add-client cc-client --json)
[[ "$out" =~ \"api_key\":\ *\"(o311_[0-9a-f]{64})\" ]] || fail "no api_key in: $out"
key=${BASH_REMATCH[1]}
before=$(cases)
status=$(curl -s -o "$H_DIR/o" -w '%{http_code}' --data-urlencode "api_key=$key" --data-urlencode service_code=metrology \
  --data-urlencode description=$'加油机\a\e[1A计量不准' "$H_INTAKE_URL/open311/v2/requests.json")
assert_eq 400 "$status" "Open311 description with BEL and ESC: $(cat "$H_DIR/o")"
assert_eq "$before" "$(cases)" "nothing stored from Open311"

# --- Logs: a value that reaches a log line (here the name of an unexpected
# member, which the refusal names) is escaped and cannot forge a line.
forged='ts=2017-01-01T00:00:00.000Z level=error forged'
assert_eq 400 "$(json_post /api/v1/cases "{\"channel\":\"hotline\",\"kind\":\"complaint\",\"subject\":\"s\",\"description\":\"d\",\"x\\n$forged\\u001b[2J\":1}" -H "$(auth_as op001)")" "an unexpected member"
logged() { grep -q "msg=\"refused submission\" status=400 .* reason=\"x\\\\x0a$forged\\\\x1b\\[2J is not a field of a case\"$" "$H_DIR/intake.log"; }
wait_until 5 logged
if grep -q "^$forged" "$H_DIR/intake.log"; then
  fail "a value forged a log line"
fi
no_raw_controls "$H_DIR/intake.log" "intake's log"

# --- CSV import: the row is refused with its line and the reason.
printf 'external_ref,channel,kind,subject,description\nCC-1,letter,complaint,"来信\a响铃",内容\nCC-2,letter,complaint,正常来信,内容\n' > "$H_DIR/letters.csv"
set +e
harness_ctl import "$H_DIR/letters.csv" > "$H_DIR/import.out" 2> "$H_DIR/import.err"
rc=$?
set -e
assert_eq 1 "$rc" "an import with a refused row exits 1"
assert_contains "$(cat "$H_DIR/import.err")" "line 2: subject contains the control character U+0007" "CSV row refused with its reason"
assert_eq "0|1" "$(psql_q "SELECT count(*) FILTER (WHERE external_ref = 'CC-1'), count(*) FILTER (WHERE external_ref = 'CC-2') FROM cases")" "only the clean row imported"
no_raw_controls "$H_DIR/import.err" "the import's report"

# --- import-history: the entry is refused with its index and the reason.
cat > "$H_DIR/ledger.json" <<'JSON'
[{"external_ref": "CCH-1", "kind": "complaint", "category": "metrology", "subject": "加油机少加油",
  "first_responder": "op001", "received_at": "2017-03-06T08:40:00+08:00",
  "steps": [{"step": "dispatched", "at": "2017-03-06T09:00:00+08:00", "division": "metrology"},
            {"step": "replied", "at": "2017-03-07T10:00:00+08:00", "result": "已检定\u001b[2J"}]},
 {"external_ref": "CCH-2", "kind": "complaint", "subject": "标题\u009b", "first_responder": "op001",
  "received_at": "2017-03-06T08:40:00+08:00", "steps": []},
 {"external_ref": "CCH-3", "kind": "complaint", "subject": "正常", "description": "第一行\r\n第二行",
  "first_responder": "op001", "received_at": "2017-03-06T08:40:00+08:00", "steps": []},
 {"external_ref": "CCH-4", "kind": "complaint", "subject": "正常", "first_responder": "op001",
  "received_at": "2017-03-06T08:40:00+08:00", "steps": [], "x\u001b[2Jy": "\u0007"}]
JSON
out=$(harness_ctl import-history "$H_DIR/ledger.json" 2>&1) || true
assert_contains "$out" "steps[1].result contains the control character U+001B" "a step's text refused"
assert_contains "$out" "subject contains the control character U+009B" "C1 refused"
assert_contains "$out" 'x\x1b[2Jy contains the control character U+0007' "a member's name quoted escaped"
assert_eq "0|0|1" "$(psql_q "SELECT count(*) FILTER (WHERE external_ref = 'CCH-1'), count(*) FILTER (WHERE external_ref = 'CCH-2'), count(*) FILTER (WHERE external_ref = 'CCH-3' AND description = E'第一行\\n第二行') FROM cases")" "only the clean entry imported, CR LF as LF"
no_raw_controls <(printf '%s' "$out") "import-history's report"

# --- Workflow steps: through dubanctl (HTTP) and the console protocol alike.
on_console() {
  harness_ctl console --division special-equipment --once --json > "$H_DIR/console.json" 2>&1 &&
    grep -q "\"case_number\":\"$1\"" "$H_DIR/console.json"
}
lift=$(harness_ctl submit --operator op001 --kind complaint --subject '电梯异响' --description '3号楼电梯' --category special-equipment)
wait_until 10 on_console "$lift"
set +e
out=$(harness_ctl note "$lift" --as h-special-equipment --text $'已联系\e[2J维保' 2>&1)
rc=$?
set -e
assert_ne 0 "$rc" "a note with ESC is refused"
assert_contains "$out" "U+001B" "the refusal names the character"
assert_eq 0 "$(psql_q "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$lift' AND e.type = 'note'")" "no note stored"
harness_ctl note "$lift" --as h-special-equipment --text $'已联系维保\n明日上门' > /dev/null

# --- What reaches a terminal anyway is escaped: an older row written before
# these checks, straight into PostgreSQL.
psql_q "UPDATE cases SET subject = E'旧标题\\x1b[2J\\x07\\n[新] #1 DB20990101000001 lead 伪造行', description = E'旧描述\\x1b]0;x\\x07\\r覆盖\\n第二行' WHERE case_number = '$lift'"
psql_q "UPDATE cases SET subject = subject || convert_from('\\xc29b'::bytea, 'UTF8') WHERE case_number = '$lift'"
harness_ctl show "$lift" > "$H_DIR/show.out"
no_raw_controls "$H_DIR/show.out" "dubanctl show"
assert_contains "$(cat "$H_DIR/show.out")" '旧标题\x1b[2J\x07⏎[新] #1 DB20990101000001 lead 伪造行\u009b' "subject escaped on one line"
assert_contains "$(cat "$H_DIR/show.out")" '旧描述\x1b]0;x\x07\x0d覆盖' "description escaped"
harness_ctl show "$lift" --json > "$H_DIR/show.json"
no_raw_controls "$H_DIR/show.json" "dubanctl show --json"
jq -e . "$H_DIR/show.json" > /dev/null || fail "escaped JSON is still JSON"
assert_eq "$(psql_q "SELECT subject FROM cases WHERE case_number = '$lift'")" "$(jq -r .subject "$H_DIR/show.json")" "JSON keeps the value's meaning"
harness_ctl console --division special-equipment --once > "$H_DIR/console.out"
no_raw_controls "$H_DIR/console.out" "dubanctl console"
assert_eq 0 "$(grep -c '^\[新\] #1 DB20990101000001' "$H_DIR/console.out" || true)" "no forged console line"
harness_ctl tasks --division special-equipment > "$H_DIR/tasks.out"
no_raw_controls "$H_DIR/tasks.out" "dubanctl tasks"
assert_eq 1 "$(grep -c "$lift" "$H_DIR/tasks.out")" "one line per task"
for svc in intake triage dispatch; do
  no_raw_controls "$H_DIR/$svc.log" "$svc's log"
done
