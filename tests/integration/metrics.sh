# Every service answers GET /metrics in the Prometheus text format (checked
# by promtool): cases accepted and refused by channel and reason at intake,
# stage latencies as histograms where messages are applied, the outbox
# backlog, its oldest age and parked messages per destination, the deadline
# index in Redis and open overdue tasks by division at watch, reconnects to
# PostgreSQL and Redis, and the process's own RSS, CPU and version. Each
# says at start which event loop it runs.
export DUBAN_WATCH_METRICS_EVERY_S=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init metrics
harness_start intake triage dispatch watch bulletin web

command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus, in DUBAN_PACKAGES)"
scrape() { # SERVICE: its exposition in $H_DIR/SERVICE.prom
  curl -sf -o "$H_DIR/$1.prom" "$(duban_metrics_url "$1" "$H_BASE")" || fail "$1 did not answer /metrics"
}
has() { # SERVICE REGEX: a line of its last scrape matches
  grep -Eq "$2" "$H_DIR/$1.prom"
}
scraped_has() { scrape "$1" && has "$1" "$2"; }

# One case through, two refused in two ways.
n=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject 电子秤不准 \
  --description 缺斤短两 --category metrology)
pub_post() {
  curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$1" \
    "$H_INTAKE_URL/api/v1/public/cases"
}
assert_eq 400 "$(pub_post '{"channel":"web","kind":"complaint","subject":""}')" "a refused public case"
assert_eq 422 "$(pub_post '{"channel":"hotline","kind":"complaint","subject":"s","description":"d"}')" "staff-only channel"
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$n'")" == dispatched ]]; }
wait_until 15 dispatched

for svc in intake triage dispatch watch bulletin web; do
  scrape "$svc"
  promtool check metrics <"$H_DIR/$svc.prom" >"$H_DIR/$svc.promtool" 2>&1 ||
    { cat "$H_DIR/$svc.promtool" >&2; fail "promtool refused $svc's metrics"; }
  for family in process_resident_memory_bytes process_cpu_seconds_total duban_build_info; do
    has "$svc" "^$family" || fail "$svc has no $family"
  done
  has "$svc" "^process_resident_memory_bytes [1-9][0-9]{5,}$" || fail "$svc: RSS not measured"
  # (its event loop coalesces a loop turn's changes to a descriptor: service.c)
  grep -q 'msg=starting .*loop="epoll (with changelist)"' "$H_DIR/$svc.log" ||
    fail "$svc does not run epoll with its changelist"
done
has intake '^duban_cases_accepted_total\{channel="hotline"\} 1$' || fail "accepted case not counted"
has intake '^duban_cases_refused_total\{channel="web",reason="missing field"\} 1$' ||
  fail "refusal not counted by channel and reason"
has intake '^duban_cases_refused_total\{channel="web",reason="staff-only fields"\} 1$' ||
  fail "staff-only refusal not counted"
has intake '^duban_stage_latency_seconds_count\{stage="intake",type="submission"\} 1$' ||
  fail "intake's commit latency not observed"
has intake '^duban_stage_latency_seconds_bucket\{stage="intake",type="submission",le="\+Inf"\} 1$' ||
  fail "histogram without its +Inf bucket"
# A consumer observes a message's latency when its commit is reported back to
# it, a moment after the row the test waited for became visible.
wait_until 5 scraped_has triage '^duban_stage_latency_seconds_count\{stage="triage",type="CASE_RECEIVED"\} 1$'
wait_until 5 scraped_has dispatch '^duban_stage_latency_seconds_count\{stage="dispatch",type="CASE_TRIAGED"\} 1$'
# The outbox figures are counted once a second.
wait_until 5 scraped_has intake '^duban_outbox_backlog\{destination="triage"\} 0$'
has intake '^duban_outbox_parked\{destination="triage"\} 0$' || fail "no parked figure"
has intake '^duban_outbox_oldest_age_seconds\{destination="triage"\} 0$' || fail "no oldest age"

# A backlog: dispatch stopped, triage's messages to it wait, and age.
harness_stop dispatch
m=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject 加油机计量 \
  --description 加油机少加 --category metrology)
wait_until 10 scraped_has triage '^duban_outbox_backlog\{destination="dispatch"\} 1$'
older() { scrape triage && [[ "$(sed -n 's/^duban_outbox_oldest_age_seconds{destination="dispatch"} //p' "$H_DIR/triage.prom")" > 1 ]]; }
wait_until 10 older
harness_start dispatch
wait_until 20 scraped_has triage '^duban_outbox_backlog\{destination="dispatch"\} 0$'

# Watch: the deadline index in Redis, and one overdue task of metrology.
wait_until 10 scraped_has watch '^duban_redis_index_entries [1-9]'
psql_q "UPDATE tasks SET completion_due = now() - interval '1 hour' WHERE case_id =
  (SELECT id FROM cases WHERE case_number = '$n')" >/dev/null
wait_until 10 scraped_has watch '^duban_tasks_overdue\{division="metrology"\} 1$'

# Reconnects: Redis drops triage's connection, PostgreSQL dispatch's.
redis_ids() { redis_q CLIENT LIST | sed -n "s/^id=\([0-9]*\) .* name=duban-$1-$(harness_pid "$1") .*/\1/p"; }
for id in $(redis_ids triage); do redis_q CLIENT KILL ID "$id" >/dev/null; done
wait_until 10 scraped_has triage '^duban_reconnects_total\{to="redis"\} [1-9]'
psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$H_DB'
  AND application_name = 'duban-dispatch'" >/dev/null
wait_until 10 scraped_has dispatch '^duban_reconnects_total\{to="postgresql"\} [1-9]'

# Every duban metric the dashboard and the alert rules read is one a service
# exports (by its TYPE line), so no panel stays empty for a wrong name.
for svc in intake triage dispatch watch bulletin web; do scrape "$svc"; done
cat "$H_DIR"/*.prom | sed -n 's/^# TYPE \([a-z_:]*\) .*/\1/p' | sort -u >"$H_DIR/exported"
used=$(grep -ohE '\b(duban|process)_[a-z_]+' "$DUBAN_SOURCE_DIR/deploy/monitoring/duban-dashboard.json" \
  "$DUBAN_SOURCE_DIR/deploy/monitoring/duban-alerts.yml" | sed -E 's/_(bucket|sum|count)$//' | sort -u)
[[ -n "$used" ]] || fail "found no metric names in deploy/monitoring"
for name in $used; do
  grep -qx "$name" "$H_DIR/exported" || fail "deploy/monitoring reads $name, which no service exports"
done

# Only GET; the public port of intake does not serve it.
assert_eq 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$(duban_metrics_url dispatch "$H_BASE")")" "POST refused"
assert_ne 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/metrics")" "not on the public port"
echo "PASS metrics"
