# Case numbers are unique for ever: "DB" + the day of receipt in China time +
# that day's counter, drawn from one place (case_number_next) by intake and by
# the history import. Past a day's 999,999th case the counter grows a digit
# instead of being cut (the old numbers repeated there and intake refused
# cases); a new day, in China time, starts again at 000001; cases that arrive
# together get consecutive numbers; a database numbered by the old scheme
# goes on after its highest number of each day.
source "$(dirname "$0")/../lib/harness.sh"
harness_init case_numbers
harness_start intake

# submit AT [SUBJECT]: a case received at AT (an administrator's import of a
# past case); prints its case number, fails unless it was accepted.
submit() {
  local status body file=$H_DIR/body.$BASHPID
  status=$(curl -s -o "$file" -w '%{http_code}' -H "$(auth_as admin)" \
    -H 'Content-Type: application/json' --data-binary \
    "{\"channel\":\"letter\",\"kind\":\"complaint\",\"subject\":\"${2:-电子秤}\",\"description\":\"缺斤短两\",\"first_responder\":\"op001\",\"received_at\":\"$1\"}" \
    "$H_INTAKE_URL/api/v1/cases")
  body=$(cat "$file")
  [[ "$status" == 201 && "$body" =~ \"case_number\":\ ?\"(DB[0-9]{14,})\" ]] ||
    fail "case received at $1 not accepted: $status $body"
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# --- Across 999,999: a day that has had 999,998 cases.
psql_q "INSERT INTO case_number_days (day, last) VALUES ('2017-03-01', 999998)"
assert_eq DB20170301999999 "$(submit 2017-03-01T10:00:00+08:00)" "the 999,999th case of the day"
assert_eq DB201703011000000 "$(submit 2017-03-01T10:00:01+08:00)" "the millionth: a seventh digit, not cut"
assert_eq DB201703011000001 "$(submit 2017-03-01T10:00:02+08:00)" "and on"

# The history import draws from the same counter.
cat > "$H_DIR/history.json" <<'EOF'
[{"external_ref": "LEDGER-CN-1", "kind": "complaint", "category": "metrology", "subject": "加油机少加油",
  "first_responder": "op001", "received_at": "2017-03-01T11:00:00+08:00", "steps": []}]
EOF
harness_ctl import-history "$H_DIR/history.json" > "$H_DIR/import.out" 2>&1 ||
  fail "import-history failed: $(cat "$H_DIR/import.out")"
assert_eq DB201703011000002 "$(psql_q "SELECT case_number FROM cases WHERE external_ref = 'LEDGER-CN-1'")" \
  "the import numbers its case from the day's counter"

# --- Across midnight, China time: the last instant of 1 March and the first of
# 2 March; midnight UTC (08:00 in China) is no boundary.
assert_eq DB201703011000003 "$(submit 2017-03-01T23:59:59.999+08:00)" "last instant of the day"
assert_eq DB20170302000001 "$(submit 2017-03-02T00:00:00+08:00)" "a new day starts at 000001"
assert_eq DB20170302000002 "$(submit 2017-03-01T23:59:59Z)" "07:59:59 in China (UTC still 1 March)"
assert_eq DB20170302000003 "$(submit 2017-03-02T00:00:00Z)" "08:00 in China (midnight UTC)"

# A case taken in now is numbered by today's date in China.
reply=$(curl -s -H "$(auth_as op001)" -H 'Content-Type: application/json' --data-binary \
  '{"channel":"hotline","kind":"complaint","subject":"电梯","description":"异响","first_responder":"op001"}' \
  "$H_INTAKE_URL/api/v1/cases")
[[ "$reply" =~ \"case_number\":\ ?\"(DB[0-9]{14})\" ]] || fail "hotline case not accepted: $reply"
n=${BASH_REMATCH[1]}
today=$(psql_q "SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') FROM cases WHERE case_number = '$n'")
assert_eq "DB${today}000001" "$n" "today's first case"

# --- Cases that arrive together (one group commit or several): consecutive
# numbers, none twice, none skipped.
burst=()
for ((i = 0; i < 40; i++)); do
  submit 2017-04-01T09:00:00+08:00 "并发$i" > "$H_DIR/burst.$i" &
  burst+=($!)
done
wait "${burst[@]}"
got=$(cat "$H_DIR"/burst.* | sort | tr '\n' ' ')
want=$(for ((i = 1; i <= 40; i++)); do printf 'DB20170401%06d\n' "$i"; done | tr '\n' ' ')
assert_eq "$want" "$got" "40 cases arriving together"
assert_eq 0 "$(psql_q "SELECT count(*) FROM (SELECT case_number FROM cases GROUP BY 1 HAVING count(*) > 1) d")" \
  "no number twice"

# --- A database numbered by the old scheme (DB + date + six digits of one
# global sequence) goes on after each day's highest number.
old_db=${H_DB}_old
harness_createdb "$old_db"
# old_psql PSQL_ARGS...: psql on that database as the schema's owner
old_psql() { "${PSQL[@]:0:${#PSQL[@]}-1}" "$old_db" -v ON_ERROR_STOP=1 -c "SET ROLE duban_owner" "$@"; }
# the migrations before 011, applied and recorded as dubanctl setup would
old_psql -c "CREATE TABLE schema_migrations (version text PRIMARY KEY, name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now())" > /dev/null
for f in "$DUBAN_SOURCE_DIR"/deploy/schema/*.sql; do
  name=$(basename "$f")
  [[ "$name" < 011 ]] || continue
  old_psql -c "BEGIN" -f "$f" -c "INSERT INTO schema_migrations VALUES ('${name%%_*}', '$name')" \
    -c "COMMIT" > /dev/null || fail "migration $name failed"
done
old_psql -c "INSERT INTO channels VALUES ('letter', '来信'); INSERT INTO kinds VALUES ('complaint', '投诉');
  INSERT INTO staff (code, name, role) VALUES ('op001', '接线员', 'operator')" > /dev/null
for number in DB20170301000007 DB20170301000130 DB20170302000131 DB20170302000009; do
  old_psql -c "INSERT INTO cases (case_number, query_code_sha256, channel, kind, subject, description,
    first_responder) VALUES ('$number', '\\x00', 'letter', 'complaint', 's', 'd', 'op001')" > /dev/null
done
DUBAN_PG_CONNINFO=$(harness_conninfo "$old_db") harness_ctl setup > /dev/null || fail "setup with 011 failed"
assert_eq "DB20170301000131|DB20170302000132|DB20170303000001" \
  "$(old_psql -c "SELECT case_number_next('2017-03-01 12:00+08'), case_number_next('2017-03-02 12:00+08'),
     case_number_next('2017-03-03 12:00+08')")" "old numbers are continued, not repeated"
echo "PASS case_numbers"
