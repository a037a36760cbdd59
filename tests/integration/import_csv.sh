# Letters and ledgers in bulk: dubanctl import turns every valid CSV row
# into a case and reports every invalid one with its line number; importing
# the same file again adds nothing. An administrator may import historical
# cases with their original time.
source "$(dirname "$0")/../lib/harness.sh"
harness_init import_csv
harness_start

cat > "$H_DIR/letters.csv" <<'CSV'
external_ref,channel,kind,subject,description,category,requester_name,requester_phone,place
L-001,letter,complaint,电梯年检过期,"小区电梯年检标志过期
请尽快处理",special-equipment,周八,13800000008,石家庄
L-002,email,report,假冒化肥,农资店销售假冒化肥,,吴九,13800000009,保定
L-003,letter,complaint,,没有标题的来信,,,,
L-004,letter,complaint,收费问题,检验收费过高,weather,,,
L-005,letter,enquiry,标准咨询,企业标准怎么备案,standards,郑十,电话号码,
,letter,enquiry,无编号,没有外部编号,,,,
L-007,letter,suggestion,建议,多设几个检定点
L-008,letter,suggestion,服务建议,希望延长服务大厅办公时间,licensing,,,
CSV

set +e
harness_ctl import "$H_DIR/letters.csv" > "$H_DIR/import1.out" 2> "$H_DIR/import1.err"
rc=$?
set -e
assert_eq 1 "$rc" "an import with refused rows exits 1"
out=$(cat "$H_DIR/import1.out"); err=$(cat "$H_DIR/import1.err")
assert_contains "$out" "imported 3, already present 0, refused 5" "summary"
assert_contains "$err" "line 5: subject is required" "missing subject (line 5: the quoted line break counts)"
assert_contains "$err" "line 6: category weather is not configured" "unknown category"
assert_contains "$err" "line 7: requester.phone may hold only digits" "bad phone"
assert_contains "$err" "line 8: external_ref is required" "no reference"
assert_contains "$err" "line 9: the row has 5 fields, the header 9" "short row"
assert_eq 3 "$(psql_q "SELECT count(*) FROM cases")" "three cases"
assert_eq "小区电梯年检标志过期
请尽快处理" "$(psql_q "SELECT description FROM cases WHERE external_ref = 'L-001'")" "multi-line field kept"
assert_eq "letter|clerk001|import" "$(psql_q "SELECT channel, recorded_by, source FROM cases WHERE external_ref = 'L-001'")" "recorded by the clerk"

# Again: nothing new.
set +e
harness_ctl import "$H_DIR/letters.csv" > "$H_DIR/import2.out" 2>/dev/null
set -e
assert_contains "$(cat "$H_DIR/import2.out")" "imported 0, already present 3, refused 5" "second import"
assert_eq 3 "$(psql_q "SELECT count(*) FROM cases")" "still three cases"

# JSON report for scripts.
set +e
json=$(harness_ctl --json import "$H_DIR/letters.csv")
set -e
assert_contains "$json" '"already_imported": 3' "json summary"
assert_contains "$json" '"line": 5' "json lines"

# A header column that is not duban's is named escaped: a file cannot write
# to the clerk's terminal.
printf 'external_ref,subject,x\033[2Jy\nE-1,s,v\n' >"$H_DIR/escape.csv"
set +e
harness_ctl import "$H_DIR/escape.csv" >/dev/null 2>"$H_DIR/escape.err"
rc=$?
set -e
assert_eq 1 "$rc" "an unknown column stops the import"
assert_contains "$(cat "$H_DIR/escape.err")" 'column x\x1b[2Jy is not one of' "the column, escaped"
if grep -q $'\033' "$H_DIR/escape.err"; then fail "an ESC from the file reached the terminal"; fi

# Lines that end with a lone CR (old Mac files) are lines: refusals name them.
printf 'external_ref,kind,subject,description\rM-1,complaint,,a\rM-2,complaint,,b\r' >"$H_DIR/cr.csv"
set +e
harness_ctl import "$H_DIR/cr.csv" >/dev/null 2>"$H_DIR/cr.err"
set -e
assert_contains "$(cat "$H_DIR/cr.err")" "line 2: subject is required" "first row, line 2"
assert_contains "$(cat "$H_DIR/cr.err")" "line 3: subject is required" "second row, line 3"

# Historical ledger: original received time, administrators only.
cat > "$H_DIR/ledger.csv" <<'CSV'
external_ref,channel,kind,subject,description,category,received_at
T-2017-001,hotline,complaint,加油机作弊,加油机计量作弊,metrology,2017-03-01T09:30:00+08:00
CSV
set +e
harness_ctl import "$H_DIR/ledger.csv" > /dev/null 2> "$H_DIR/ledger.err"
rc=$?
set -e
assert_eq 1 "$rc" "a clerk may not import history"
assert_contains "$(cat "$H_DIR/ledger.err")" "administrators" "why"
harness_ctl --as admin import "$H_DIR/ledger.csv" > /dev/null
assert_eq "2017-03-01 09:30:00|DB20170301" \
  "$(psql_q "SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), left(case_number, 10) FROM cases WHERE external_ref = 'T-2017-001'")" \
  "original time and a case number of that day"
echo "PASS import_csv"
