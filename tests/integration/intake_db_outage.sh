# PostgreSQL goes away under intake: submissions get 503 with a clear
# message and nothing is half-stored; when it comes back intake recovers by
# itself, with no restart.
source "$(dirname "$0")/../lib/harness.sh"
harness_init intake_db_outage
harness_start intake

admin_q() {
  psql -X -q -At -h 127.0.0.1 -p "$H_PGPORT" -U duban -d postgres -v ON_ERROR_STOP=1 -c "$1" >/dev/null
}
post() {
  curl -s -o "$H_DIR/body" -D "$H_DIR/headers" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "$(auth_as op001)" \
    --data-binary '{"channel":"hotline","kind":"enquiry","subject":"计量咨询","description":"电子秤检定","first_responder":"op001"}' \
    "$H_INTAKE_URL/api/v1/cases"
}
reopen() { admin_q "ALTER DATABASE $H_DB ALLOW_CONNECTIONS true"; }
harness_on_exit reopen

assert_eq 201 "$(post)" "accepted while the database is up"

# Cut intake off: no new connections to its database, existing ones ended.
admin_q "ALTER DATABASE $H_DB ALLOW_CONNECTIONS false"
admin_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$H_DB'"

unavailable() { [[ "$(post)" == 503 ]]; }
wait_until 10 unavailable
assert_contains "$(cat "$H_DIR/headers")" "application/problem+json" "problem reply"
assert_contains "$(cat "$H_DIR/headers")" "Retry-After" "retry hint"
assert_contains "$(cat "$H_DIR/body")" "未保存任何内容" "clear message: nothing was recorded"
assert_eq 503 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/healthz")" "health says degraded"
assert_eq 503 "$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth_as op001)" "$H_INTAKE_URL/api/v1/cases/DB20990101000001")" "reads say unavailable"

reopen
recovered() { [[ "$(post)" == 201 ]]; }
wait_until 15 recovered
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/healthz")" "healthy again"
assert_eq 2 "$(psql_q "SELECT count(*) FROM cases")" "only the accepted cases are stored"
two_messages() { [[ "$(psql_q "SELECT count(*) FROM outbox WHERE destination = 'triage'")" == 2 ]]; }
wait_until 5 two_messages # triage is away: intake's hand-off writes them (case_handoffs.sh)
grep -q "connection lost\|could not connect" "$H_DIR/intake.log" || fail "outage not logged"
echo "PASS intake_db_outage"
