# The database is not open to everyone (deploy/schema/README.md): every
# connection needs its password (SCRAM), each service connects as its own
# role, no role may run programs or read files on the server or is a
# superuser, each may write only the tables its statements need, and
# `dubanctl setup` refuses a migration that adds a table without deciding who
# may use it. Passwords live in passfiles (0600), in no setting and no log.
source "$(dirname "$0")/../lib/harness.sh"
harness_init db_roles
harness_start

n=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject '电子秤' \
  --description '缺斤短两' --category metrology)
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$n'")" == dispatched ]]; }
wait_until 15 dispatched
harness_ctl sign "$n" --as h-metrology > /dev/null
signed() { [[ "$(psql_q "SELECT state FROM tasks WHERE case_id = (SELECT id FROM cases WHERE case_number = '$n')")" == signed ]]; }
wait_until 15 signed

# --- Each service connects as its own role, none as a superuser.
assert_eq "duban-bulletin|duban_bulletin duban-dispatch|duban_dispatch duban-intake|duban_intake duban-triage|duban_triage duban-watch|duban_watch duban-web|duban_web" \
  "$(psql_q "SELECT DISTINCT application_name || '|' || usename FROM pg_stat_activity
     WHERE datname = current_database() AND application_name LIKE 'duban-%' ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')" \
  "each service's connections are its own role's"
roles="duban_owner duban_intake duban_triage duban_dispatch duban_watch duban_bulletin duban_web duban_admin"
assert_eq "" "$(psql_q "SELECT string_agg(rolname, ' ') FROM pg_roles WHERE rolname LIKE 'duban\_%'
  AND (rolsuper OR rolcreaterole OR rolreplication OR rolbypassrls OR (rolcreatedb AND rolname <> 'duban_owner'))")" \
  "no role is a superuser or may make roles; only the owner may create databases"
for r in $roles; do
  assert_eq "f|f|f|f|f|f" "$(psql_q "SELECT pg_has_role('$r', 'pg_execute_server_program', 'USAGE'),
    pg_has_role('$r', 'pg_read_server_files', 'USAGE'), pg_has_role('$r', 'pg_write_server_files', 'USAGE'),
    pg_has_role('$r', 'pg_read_all_data', 'USAGE'), pg_has_role('$r', 'pg_write_all_data', 'USAGE'),
    EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = '$r'::regrole)")" "$r holds no other role's rights"
done

# as_role ROLE SQL: run SQL as ROLE with its passfile; prints psql's output and
# errors (never fails itself).
as_role() {
  local role=$1 sql=$2
  PGPASSFILE=$H_DIR/secrets/$role.pgpass "$DUBAN_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$H_PGPORT" -U "$role" -d "$H_DB" -c "$sql" 2>&1 || true
}
# refused ROLE SQL: ROLE may not run SQL (permission denied, or only the
# owner or a superuser may).
refused() {
  local out
  out=$(as_role "$1" "$2")
  [[ "$out" == *"permission denied"* || "$out" == *"must be owner"* || "$out" == *"must be superuser"* ]] ||
    fail "$1 was not refused: $2 -> $out"
}

# --- Nobody but a superuser runs programs or reads files on the server.
for r in $roles; do
  refused "$r" "COPY (SELECT 1) TO PROGRAM 'id'"
  refused "$r" "COPY outbox FROM PROGRAM 'id'"
  refused "$r" "COPY outbox FROM '/etc/passwd'"
  refused "$r" "SELECT pg_read_file('/etc/passwd')"
  refused "$r" "SELECT pg_ls_dir('.')"
  refused "$r" "ALTER ROLE $r SUPERUSER"
done
for r in duban_intake duban_triage duban_dispatch duban_watch duban_bulletin duban_web duban_admin; do
  refused "$r" "CREATE TABLE probe (a int)"
  refused "$r" "CREATE FUNCTION probe() RETURNS int LANGUAGE sql RETURN 1"
  refused "$r" "DROP TABLE cases"
  refused "$r" "TRUNCATE outbox"
done

# --- Staff and tokens: only dubanctl's role adds them (an admin token made by
# any service would open the whole API).
token_sql="INSERT INTO staff_tokens (staff, token_sha256) VALUES ('admin', '\\x0102')"
for r in duban_intake duban_triage duban_dispatch duban_watch duban_bulletin duban_web; do
  refused "$r" "$token_sql"
  refused "$r" "UPDATE staff_tokens SET revoked_at = NULL"
  refused "$r" "INSERT INTO staff (code, name, role) VALUES ('x', 'x', 'admin')"
  refused "$r" "UPDATE staff SET role = 'admin'"
  refused "$r" "INSERT INTO open311_clients (name, key_sha256) VALUES ('x', '\\x01')"
done
assert_eq "" "$(as_role duban_admin "BEGIN; $token_sql; ROLLBACK")" "dubanctl's role issues tokens"
# Password hashes are read by the console's sign-in alone.
for r in duban_intake duban_triage duban_dispatch duban_watch duban_bulletin; do
  refused "$r" "SELECT password_hash FROM staff"
done
assert_eq t "$(as_role duban_web "SELECT count(password_hash) >= 0 FROM staff")" \
  "the console's sign-in reads password hashes"
refused duban_web "UPDATE staff SET password_hash = 'x'"
refused duban_web "INSERT INTO cases (case_number, query_code_sha256, channel, kind, subject,
  description, first_responder) VALUES ('X', '\\x00', 'web', 'complaint', 's', 'd', 'op001')"
assert_eq 1 "$(as_role duban_intake "SELECT count(*) FROM staff WHERE code = 'admin'")" \
  "intake reads staff to authenticate"

# --- Each writes only what its statements need; the event log is never
# changed, cases are never deleted, by anyone but the owner (the references
# to cases are not checked, 075).
for r in duban_intake duban_triage duban_dispatch duban_watch duban_bulletin duban_web duban_admin; do
  refused "$r" "DELETE FROM cases"
  refused "$r" "UPDATE case_events SET actor = 'x'"
  refused "$r" "DELETE FROM case_events"
  refused "$r" "INSERT INTO case_number_days VALUES ('2001-01-01', 1)"
  refused "$r" "INSERT INTO schema_migrations VALUES ('999', 'x')"
  # no task is deleted, and clock states are written by the clock functions
  # alone: the references to tasks are not checked (069)
  refused "$r" "DELETE FROM tasks"
  refused "$r" "INSERT INTO task_clocks (task_id, clock, seq, case_id, division, role, since)
    VALUES (1, 'response', 9, 1, 'metrology', 'lead', now())"
  refused "$r" "UPDATE task_clocks SET until = now()"
  refused "$r" "DELETE FROM task_clocks"
done
refused duban_intake "UPDATE cases SET state = 'closed'"
assert_eq "" "$(as_role duban_intake "BEGIN; UPDATE cases SET confidential = true; ROLLBACK")" "intake marks cases confidential"
refused duban_intake "INSERT INTO tasks (case_id, division, role) VALUES (1, 'metrology', 'lead')"
refused duban_intake "INSERT INTO alerts (task_id, case_id, division, deadline, kind, due_at)
  VALUES (1, 1, 'metrology', 'response', 'breach', now())"
refused duban_triage "INSERT INTO cases (case_number, query_code_sha256, channel, kind, subject,
  description, first_responder) VALUES ('X', '\\x00', 'web', 'complaint', 's', 'd', 'op001')"
refused duban_triage "UPDATE tasks SET state = 'replied'"
refused duban_triage "SELECT case_number_next(now())"
refused duban_triage "SELECT case_numbers_next(ARRAY[now()])"
refused duban_dispatch "INSERT INTO alerts (task_id, case_id, division, deadline, kind, due_at)
  VALUES (1, 1, 'metrology', 'response', 'breach', now())"
refused duban_dispatch "UPDATE bulletins SET digest = 'x'"
refused duban_dispatch "SELECT * FROM idempotency_keys"
refused duban_watch "UPDATE cases SET state = 'closed'"
refused duban_watch "UPDATE tasks SET state = 'replied'"
refused duban_watch "INSERT INTO tasks (case_id, division, role) VALUES (1, 'metrology', 'lead')"
refused duban_bulletin "INSERT INTO cases (case_number, query_code_sha256, channel, kind, subject,
  description, first_responder) VALUES ('X', '\\x00', 'web', 'complaint', 's', 'd', 'op001')"
refused duban_bulletin "UPDATE alerts SET acknowledged_at = now()"
refused duban_admin "DELETE FROM tasks"
refused duban_admin "UPDATE case_events SET actor = 'x'"
refused duban_admin "DELETE FROM outbox"
# (and what they need, they may: the refusals above are not a failure to connect)
assert_eq 1 "$(as_role duban_triage "SELECT count(*) FROM cases WHERE case_number = '$n'")" "triage reads cases"
assert_eq 1 "$(as_role duban_watch "SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$n'")" \
  "watch reads tasks"

# --- A password is needed, and only the right one will do.
assert_eq "scram-sha-256" "$(psql_q "SELECT string_agg(DISTINCT auth_method, ',') FROM pg_hba_file_rules")" \
  "every connection authenticates with a password"
out=$(PGPASSFILE=/dev/null "$DUBAN_PG_BIN/psql" -X -w -h 127.0.0.1 -p "$H_PGPORT" -U duban_intake -d "$H_DB" -c 'SELECT 1' 2>&1 || true)
assert_contains "$out" "no password supplied" "no login without a password"
printf '*:*:*:duban_intake:%s\n' not-the-password > "$H_DIR/wrong.pgpass"
chmod 600 "$H_DIR/wrong.pgpass"
out=$(PGPASSFILE=$H_DIR/wrong.pgpass "$DUBAN_PG_BIN/psql" -X -w -h 127.0.0.1 -p "$H_PGPORT" -U duban_intake -d "$H_DB" -c 'SELECT 1' 2>&1 || true)
assert_contains "$out" "password authentication failed" "no login with a wrong password"

# --- Passwords in passfiles (0600), named by the settings; in no setting
# and no log.
for r in $roles; do
  f=$H_DIR/secrets/$r.pgpass
  assert_eq 600 "$(stat -c %a "$f")" "$f is private"
  pw=$(cut -d: -f5 < "$f")
  [[ "$pw" =~ ^[0-9a-f]{48}$ ]] || fail "$r's password is not a random one"
  for log in "$H_CONF" "$H_DIR"/*.log "$DUBAN_TEST_TMP"/log/*.log; do
    if grep -qF "$pw" "$log"; then fail "$r's password is in $log"; fi
  done
done
assert_not_contains "$(cat "$H_CONF")" "password=" "no password in a conninfo"

# --- Every table is granted to someone or recorded as the owner's alone; a
# migration that adds a table without deciding is refused.
assert_eq "" "$(psql_q "SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
  WHERE s.nspname = 'public' AND c.relkind = 'r' AND c.relacl IS NULL
  AND c.relname NOT IN (SELECT name FROM schema_ungranted) AND c.relname NOT LIKE 'schema\_%'")" \
  "every table granted or recorded in schema_ungranted"
probe_db=${H_DB}_probe
harness_createdb "$probe_db"
mkdir -p "$H_DIR/schema"
cp "$DUBAN_SOURCE_DIR"/deploy/schema/*.sql "$H_DIR/schema/"
printf 'CREATE TABLE probe_notes (id bigserial PRIMARY KEY, note text);\n' > "$H_DIR/schema/901_probe.sql"
probe_setup() {
  DUBAN_PG_CONNINFO=$(harness_conninfo "$probe_db") DUBAN_SCHEMA_DIR=$H_DIR/schema harness_ctl setup 2>&1
}
out=$(probe_setup) && fail "setup took a table granted to nobody: $out"
assert_contains "$out" "table probe_notes is granted to no role" "setup names the table"
printf 'GRANT SELECT, INSERT ON probe_notes TO duban_intake;\n' > "$H_DIR/schema/902_probe_grant.sql"
out=$(probe_setup) && fail "setup took a role that may not take ids: $out"
assert_contains "$out" "role duban_intake may insert into probe_notes but not take ids from probe_notes_id_seq" \
  "setup names the sequence"
printf 'GRANT USAGE ON SEQUENCE probe_notes_id_seq TO duban_intake;\n' > "$H_DIR/schema/903_probe_seq.sql"
out=$(probe_setup) || fail "setup refused a table with its grants: $out"
# Two migrations of one number: the second would never run (a migration is
# recorded by its number), so the folder is refused before anything runs.
printf 'CREATE TABLE probe_more (id bigint PRIMARY KEY);\n' > "$H_DIR/schema/904_probe_more.sql"
printf 'GRANT SELECT ON probe_more TO duban_intake;\n' > "$H_DIR/schema/904_probe_more_grant.sql"
out=$(probe_setup) && fail "setup took two migrations numbered 904: $out"
assert_contains "$out" "two migrations numbered 904: 904_probe_more.sql and 904_probe_more_grant.sql" \
  "setup names both files"
assert_eq "" "$(psql_q "SELECT to_regclass('probe_more')" -d "$probe_db")" \
  "and applies neither"
assert_eq probe_notes "$(psql_q "SELECT to_regclass('probe_notes')" -d "$probe_db")" "(the probe database holds the earlier ones)"
echo "PASS db_roles"
