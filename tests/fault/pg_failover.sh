# PostgreSQL failover: a primary with a streaming standby that it replicates
# to synchronously (synchronous_standby_names, synchronous_commit on: a
# commit, and so a case's 201, waits until the standby has the WAL). The
# services know both servers (pg.conninfo: host=A,B port=P1,P2
# target_session_attrs=read-write), so they reach whichever is the primary.
# While cases stream in, the primary is stopped at once (as in a crash) and
# the standby promoted, as Patroni would: the services reconnect to the new
# primary by themselves, every case acknowledged before the failover is
# there, and every case accepted before or after ends dispatched, once.
export DUBAN_OUTBOX_RESEND_MS=1000
source "$(dirname "$0")/../lib/harness.sh"
harness_init pg_failover
F=$H_DIR/ha
mkdir -p "$F"
duban_reserve_ports 2 ports || fail "no free ports for the two servers"
P1=$ports P2=$((ports + 1))
super=$F/secrets/$DUBAN_PG_SUPERUSER.pgpass
harness_on_exit "duban_pg_stop '$F/primary' >/dev/null 2>&1; duban_pg_stop '$F/standby' >/dev/null 2>&1"

# --- the primary, and the services' settings naming both servers ---------------
duban_pg_init "$F/primary" "$F/secrets" >/dev/null
# (synchronous once the standby streams: until then a commit would wait for ever)
duban_pg_start "$F/primary" "$P1" "$F/sock1" "$F/primary.log" \
  "-c wal_level=replica" "-c max_wal_senders=4" "-c synchronous_commit=on" "-c fsync=off"
duban_write_settings "$H_CONF" "$DUBAN_SOURCE_DIR" "$P1" duban "$H_REDIS_PORT" "$H_REDIS_PREFIX" "$H_BASE"
conninfo="host=127.0.0.1,127.0.0.1 port=$P1,$P2 dbname=duban target_session_attrs=read-write connect_timeout=2"
sed -i "s|^pg = { conninfo = .*|pg = { conninfo = \"$conninfo\"; };|" "$H_CONF"
grep -q "target_session_attrs" "$H_CONF" || fail "settings without the two servers"
harness_ctl roles --superuser "user=$DUBAN_PG_SUPERUSER passfile=$super" --database >"$F/roles.log" 2>&1 ||
  { cat "$F/roles.log" >&2; fail "dubanctl roles on the primary"; }
rm -rf "$H_DIR/tokens" # (those of the harness's own database)
harness_ctl setup --demo-tokens >"$F/setup.log" 2>&1 || { cat "$F/setup.log" >&2; fail "dubanctl setup on the primary"; }
fpsql() { # PORT SQL
  PGPASSFILE=$super "$(duban_pg_bindir)/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" \
    -U "$DUBAN_PG_SUPERUSER" -d duban -c "$2"
}

# --- the standby: a base backup streaming from the primary ----------------------
pgpass_pg=$F/postgres.pgpass # the standby runs as postgres and reads its own copy
install -m 600 -o postgres "$super" "$pgpass_pg"
duban_pg_own "$F/standby"
chmod 700 "$F/standby"
duban_as_pg env PGPASSFILE="$pgpass_pg" "$(duban_pg_bindir)/pg_basebackup" -h 127.0.0.1 -p "$P1" \
  -U "$DUBAN_PG_SUPERUSER" -D "$F/standby" -X stream -R -c fast >"$F/basebackup.log" 2>&1 ||
  { cat "$F/basebackup.log" >&2; fail "pg_basebackup"; }
printf "primary_conninfo = 'host=127.0.0.1 port=%s user=%s passfile=%s application_name=duban_standby'\n" \
  "$P1" "$DUBAN_PG_SUPERUSER" "$pgpass_pg" | duban_as_pg tee -a "$F/standby/postgresql.auto.conf" >/dev/null
duban_pg_start "$F/standby" "$P2" "$F/sock2" "$F/standby.log" "-c fsync=off"
fpsql "$P1" "ALTER SYSTEM SET synchronous_standby_names = 'duban_standby'" >/dev/null
fpsql "$P1" "SELECT pg_reload_conf()" >/dev/null
sync_standby() { [[ "$(fpsql "$P1" "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'duban_standby'")" == sync ]]; }
wait_until 30 sync_standby
assert_eq t "$(fpsql "$P2" "SELECT pg_is_in_recovery()")" "the standby is a standby"

harness_start intake triage dispatch

harness_submitter_start 主备切换 failover "$H_INTAKE_URL"
harness_submitter_wait 60 60

# --- failover: the primary dies, the standby is promoted --------------------------
duban_as_pg "$(duban_pg_bindir)/pg_ctl" -D "$F/primary" -m immediate stop >/dev/null
cp "$H_ACCEPTED" "$H_DIR/accepted_before"
before=$(wc -l <"$H_DIR/accepted_before")
duban_as_pg "$(duban_pg_bindir)/pg_ctl" -D "$F/standby" -w promote >/dev/null
assert_eq f "$(fpsql "$P2" "SELECT pg_is_in_recovery()")" "the standby was promoted"
# every case acknowledged before the failover is on the new primary
fpsql "$P2" "CREATE TABLE acked_before (case_number text PRIMARY KEY)"
PGPASSFILE=$super "$(duban_pg_bindir)/psql" -X -q -h 127.0.0.1 -p "$P2" -U "$DUBAN_PG_SUPERUSER" -d duban \
  -c "\\copy acked_before FROM '$H_DIR/accepted_before'"
assert_eq 0 "$(fpsql "$P2" "SELECT count(*) FROM acked_before a LEFT JOIN cases c USING (case_number) WHERE c.id IS NULL")" \
  "cases acknowledged before the failover missing on the new primary"

# the services carry on against the new primary by themselves
harness_submitter_wait 90 $((before + 60))
harness_submitter_stop
grep -q "connected to postgresql" "$H_DIR/intake.log" || fail "intake never said it connected"
accepted=$(sort -u "$H_ACCEPTED" | wc -l)
all_dispatched() { [[ "$(fpsql "$P2" "SELECT count(*) FROM cases WHERE state <> 'dispatched'")" == 0 ]]; }
wait_until 60 all_dispatched
fpsql "$P2" "CREATE TABLE accepted (case_number text PRIMARY KEY)"
PGPASSFILE=$super "$(duban_pg_bindir)/psql" -X -q -h 127.0.0.1 -p "$P2" -U "$DUBAN_PG_SUPERUSER" -d duban \
  -c "\\copy accepted FROM '$H_ACCEPTED'"
assert_eq 0 "$(fpsql "$P2" "SELECT count(*) FROM accepted a LEFT JOIN cases c USING (case_number) WHERE c.id IS NULL")" \
  "accepted cases missing"
stored=$(fpsql "$P2" "SELECT count(*) FROM cases")
assert_eq "$stored" "$(fpsql "$P2" "SELECT count(*) FROM tasks")" "one task per case"
assert_eq 0 "$(fpsql "$P2" "SELECT count(*) FROM (SELECT case_id, type FROM case_events GROUP BY 1, 2 HAVING count(*) <> 1) d")" \
  "steps recorded other than once"
echo "PASS pg_failover accepted=$accepted before_failover=$before stored=$stored"
