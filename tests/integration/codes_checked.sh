# Cases and tasks name the organisation's codes (channel, kind, category,
# division, staff), checked by the database once per statement and without
# locking the code's row (deploy/schema/080): an unknown code refuses the
# whole statement (foreign_key_violation, as the foreign keys did), a
# change of a code is checked, a code is never deleted, truncated or
# renamed; and a service started with an org file newer than the database
# gets its case refused with a reason, nothing stored, while the others go
# on.
source "$(dirname "$0")/../lib/harness.sh"
harness_init codes_checked

# psql_err SQL: runs SQL as the superuser, prints its error (empty if none),
# with its SQLSTATE ("ERROR:  23503: ...").
psql_err() {
  "${PSQL[@]}" -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$1" 2>&1 >/dev/null || true
}
new_case() { # NUMBER CATEGORY: the VALUES row of a case
  echo "('$1', sha256('$1'), 'hotline', 'complaint', $2, '主题', '描述', 'op001', 'test')"
}
cases_sql() { # ROWS...: an insert of the cases of ROWS
  local IFS=,
  echo "INSERT INTO cases (case_number, query_code_sha256, channel, kind, category, subject, description, first_responder, source) VALUES $*"
}

# --- The database's rule, statement by statement.
lockers() { # the xmax of the codes' rows a case names: a lock leaves its xid there
  psql_q "SELECT string_agg(x::text, '|') FROM (SELECT xmax FROM categories WHERE code = 'metrology'
    UNION ALL SELECT xmax FROM channels WHERE code = 'hotline' UNION ALL SELECT xmax FROM kinds
    WHERE code = 'complaint' UNION ALL SELECT xmax FROM staff WHERE code = 'op001') AS l(x)"
}
locked_before=$(lockers)
out=$(psql_err "$(cases_sql "$(new_case DBT0001 "'metrology'")" "$(new_case DBT0002 "'nowhere'")" "$(new_case DBT0003 "'metrology'")")")
assert_contains "$out" "23503: insert or update on table \"cases\" names an unknown code: category 'nowhere'" \
  "a batch with an unknown category is refused, as a foreign key refused"
assert_contains "$out" "run dubanctl setup" "with the remedy"
assert_contains "$out" "CONSTRAINT NAME:  org_codes" "named as a code the database lacks (081), not a caller's conflict"
assert_eq 0 "$(psql_q "SELECT count(*) FROM cases WHERE case_number LIKE 'DBT%'")" "none of the batch stored"
out=$(psql_err "$(cases_sql "$(new_case DBT0001 "'metrology'")" "$(new_case DBT0002 NULL)")")
assert_eq "" "$out" "known codes and a missing category are taken"
assert_eq 2 "$(psql_q "SELECT count(*) FROM cases WHERE case_number LIKE 'DBT%'")" "both stored"
assert_eq "$locked_before" "$(lockers)" "the codes' rows are not locked (a foreign key's check would have left its xid)"

# Each column on insert, then on update.
insert_case() { # COLUMN VALUE: an insert of one case whose COLUMN is VALUE
  local -A v=([channel]="'hotline'" [kind]="'complaint'" [category]=NULL [lead_hint]=NULL
    [first_responder]="'op001'" [recorded_by]=NULL)
  v[$1]=$2
  echo "INSERT INTO cases (case_number, query_code_sha256, subject, description, source, channel, kind,
    category, lead_hint, first_responder, recorded_by) VALUES ('DBT0009', sha256('x'), 's', 'd', 'test',
    ${v[channel]}, ${v[kind]}, ${v[category]}, ${v[lead_hint]}, ${v[first_responder]}, ${v[recorded_by]})"
}
for bad in "channel 'pigeon'" "kind 'praise'" "lead_hint 'nowhere'" "first_responder 'nobody'" "recorded_by 'nobody'"; do
  # shellcheck disable=SC2086 # column and value
  out=$(psql_err "$(insert_case $bad)")
  assert_contains "$out" "23503: insert or update on table \"cases\" names an unknown code" "a new case with $bad is refused"
done
assert_eq "" "$(psql_err "$(insert_case lead_hint "'metrology'")")" "(the same insert with known codes is taken)"
assert_eq 3 "$(psql_q "SELECT count(*) FROM cases WHERE case_number LIKE 'DBT%'")" "only that one stored"

for bad in "channel = 'pigeon'" "kind = 'praise'" "category = 'nowhere'" "lead_hint = 'nowhere'" \
  "first_responder = 'nobody'" "recorded_by = 'nobody'"; do
  out=$(psql_err "UPDATE cases SET $bad WHERE case_number = 'DBT0001'")
  assert_contains "$out" "names an unknown code" "an update to $bad is refused"
done
assert_eq "" "$(psql_err "UPDATE cases SET category = 'counterfeit', lead_hint = 'enforcement', state = 'triaged' WHERE case_number = 'DBT0002'")" \
  "an update to known codes is taken"
assert_eq "metrology|" "$(psql_q "SELECT category || '|' || coalesce(lead_hint, '') FROM cases WHERE case_number = 'DBT0001'")" \
  "the refused updates left the case as it was"

id=$(psql_q "SELECT id FROM cases WHERE case_number = 'DBT0001'")
task() { # DIVISION HANDLER: the VALUES row of a task of the case
  echo "($id, $1, 'lead', 'dispatched', now(), $2)"
}
tasks_sql="INSERT INTO tasks (case_id, division, role, state, dispatched_at, handler) VALUES"
out=$(psql_err "$tasks_sql $(task "'metrology'" NULL), $(task "'nowhere'" NULL)")
assert_contains "$out" "names an unknown code: division 'nowhere'" "a task for an unknown division is refused"
out=$(psql_err "$tasks_sql $(task "'metrology'" "'nobody'")")
assert_contains "$out" "names an unknown code: staff 'nobody'" "a task for an unknown handler is refused"
assert_eq 0 "$(psql_q "SELECT count(*) FROM tasks WHERE case_id = $id")" "no task stored"
assert_eq "" "$(psql_err "$tasks_sql $(task "'metrology'" "'h-metrology'")")" "a task with known codes is taken"
out=$(psql_err "INSERT INTO tasks (case_id, division, role, round, state, dispatched_at, handler)
  VALUES ($id, 'metrology', 'lead', 1, 'dispatched', now(), 'nobody')
  ON CONFLICT (case_id, division, role, round) DO UPDATE SET handler = EXCLUDED.handler")
assert_contains "$out" "names an unknown code: staff 'nobody'" "an upsert (the history import's) to an unknown handler is refused"
out=$(psql_err "UPDATE tasks SET division = 'nowhere' WHERE case_id = $id")
assert_contains "$out" "names an unknown code: division 'nowhere'" "a transfer to an unknown division is refused"
out=$(psql_err "UPDATE tasks SET handler = 'nobody' WHERE case_id = $id")
assert_contains "$out" "names an unknown code: staff 'nobody'" "an unknown handler is refused"
assert_eq "metrology|h-metrology" "$(psql_q "SELECT division || '|' || handler FROM tasks WHERE case_id = $id")" \
  "the task as it was"

# Codes stay, even for the owner of the tables: no delete, truncate or rename.
for t in channels kinds categories divisions staff; do
  assert_contains "$(psql_err "DELETE FROM $t WHERE false")" "delete of a code of \"$t\" refused" "no delete from $t"
  assert_contains "$(psql_err "TRUNCATE $t CASCADE")" "truncate of a code of \"$t\" refused" "no truncate of $t"
done
for t in channels:hotline kinds:complaint categories:metrology divisions:metrology staff:op001; do
  assert_contains "$(psql_err "UPDATE ${t%%:*} SET code = code || '2' WHERE code = '${t#*:}'")" \
    "update of a code of \"${t%%:*}\" refused" "no rename of a code of ${t%%:*}"
done
assert_eq "" "$(psql_err "UPDATE categories SET name = '计量器具' WHERE code = 'metrology'")" "a name may change"

# --- A service whose org file knows a category the database does not.
# (the calendar and the SLA are found beside the org file)
mkdir "$H_DIR/org" && ln -s "$DUBAN_SOURCE_DIR"/deploy/config/* "$H_DIR/org/" && rm "$H_DIR/org/org.conf"
sed 's/^  { code = "metrology";         name = "计量";     lead = "metrology";$/  { code = "ghost"; name = "幽灵"; lead = "metrology"; },\n&/' \
  "$DUBAN_SOURCE_DIR/deploy/config/org.conf" > "$H_DIR/org/org.conf"
grep -q '"ghost"' "$H_DIR/org/org.conf" || fail "the category not added to the copy of org.conf"
DUBAN_ORG_FILE=$H_DIR/org/org.conf harness_start intake
post() { # CATEGORY: prints the status, the answer in $H_DIR/r
  curl -s -o "$H_DIR/r" -w '%{http_code}' -H "$(auth_as op001)" --data-binary \
    "{\"channel\":\"hotline\",\"kind\":\"complaint\",\"category\":\"$1\",\"subject\":\"主题\",\"description\":\"描述\"}" \
    "$H_INTAKE_URL/api/v1/cases"
}
before=$(psql_q "SELECT count(*) FROM cases")
# Not the caller's conflict (409) but a set-up behind the service, which
# passes once dubanctl setup has run: 503, try again later.
assert_eq 503 "$(post ghost)" "a case of the category the database lacks is refused for now"
assert_contains "$(jq -r .detail "$H_DIR/r")" "未保存任何内容" "saying nothing was saved"
assert_contains "$(jq -r .detail "$H_DIR/r")" "请稍后重试" "and to try again later"
assert_eq "$before" "$(psql_q "SELECT count(*) FROM cases")" "nothing stored"
assert_contains "$(cat "$H_DIR/intake.log")" "names an unknown code: category 'ghost'" "intake logs what the database refused"
assert_contains "$(cat "$H_DIR/intake.log")" "level=error svc=intake msg=\"the database lacks a code of this service's org file: run dubanctl setup\"" \
  "as an error for the operator, with the remedy"
assert_eq 201 "$(post metrology)" "a case of a known category, right after"
assert_eq "$((before + 1))" "$(psql_q "SELECT count(*) FROM cases")" "stored"
# A caller's own conflict is still 409: another body under a key already used.
key_post() { # BODY_SUBJECT: a hotline case under one key; prints the status
  curl -s -o "$H_DIR/r" -w '%{http_code}' -H "$(auth_as op001)" -H 'Idempotency-Key: codes-checked-1' --data-binary \
    "{\"channel\":\"hotline\",\"kind\":\"complaint\",\"category\":\"metrology\",\"subject\":\"$1\",\"description\":\"描述\"}" \
    "$H_INTAKE_URL/api/v1/cases"
}
assert_eq 201 "$(key_post 主题一)" "a case under a key"
assert_eq 409 "$(key_post 主题二)" "another body under the same key is the caller's conflict"
assert_eq 1 "$(psql_q "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('cases'::regclass, 'tasks'::regclass)")" \
  "of the keys of cases and tasks, only the duplicate's is left"
assert_references_hold
echo "PASS codes_checked"
