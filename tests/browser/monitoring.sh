# duban's dashboard and alert rules on a real Prometheus (Debian's), scraping
# every service of a running deployment once a second:
#   - every query of the Grafana dashboard (deploy/monitoring/duban-dashboard.json)
#     answers with the series its panel is meant to show;
#   - the alert rules load, DubanServiceDown goes pending for a service
#     killed with kill -9 and clears when the service is back;
#   - the same dashboard, served by Prometheus as a console template
#     (tools/dashboard-console), draws every panel in headless Chromium.
# A screenshot of the dashboard is kept in the test's folder (screens/), and
# with DUBAN_SCREENSHOT_DIR=DIR there too.
export DUBAN_WATCH_METRICS_EVERY_S=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init monitoring
command -v prometheus >/dev/null || fail "prometheus is not installed (Debian package prometheus, in DUBAN_PACKAGES)"
command -v chromedriver >/dev/null || fail "chromedriver is not installed (tools/test installs chromium-driver)"
/usr/bin/python3 -c "import selenium" 2>/dev/null || fail "python3-selenium is not installed (tools/test installs it)"
SERVICES=(intake triage dispatch watch bulletin web)
harness_start "${SERVICES[@]}"

# --- Prometheus on a private port, with duban's rules and console ------------------
P=$H_DIR/prometheus
mkdir -p "$P/consoles"
"$DUBAN_SOURCE_DIR/tools/dashboard-console" >"$P/consoles/duban.html" || fail "tools/dashboard-console failed"
duban_reserve_ports 1 PROM_PORT || fail "no free port"
PROM=http://127.0.0.1:$PROM_PORT
{
  echo "global: {scrape_interval: 1s, evaluation_interval: 1s}"
  echo "rule_files: ['$DUBAN_SOURCE_DIR/deploy/monitoring/duban-alerts.yml']"
  echo "scrape_configs:"
  for svc in "${SERVICES[@]}"; do
    url=$(duban_metrics_url "$svc" "$H_BASE")
    hostport=${url#http://}
    echo "  - {job_name: duban-$svc, static_configs: [{targets: ['${hostport%%/*}']}]}"
  done
} >"$P/prometheus.yml"
promtool check config "$P/prometheus.yml" >"$P/check.out" 2>&1 || { cat "$P/check.out" >&2; fail "promtool refused the configuration"; }
prometheus --config.file="$P/prometheus.yml" --storage.tsdb.path="$P/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --web.console.templates="$P/consoles" \
  --web.console.libraries="$DUBAN_SOURCE_DIR/deploy/monitoring/console_libraries" \
  >"$P/prometheus.log" 2>&1 </dev/null &
prom_pid=$!
harness_kill_on_exit "$prom_pid"
duban_wait_http "$PROM/-/ready" 30 "$prom_pid" "$P/prometheus.log" prometheus || fail "prometheus did not start"

prom_query() { # EXPR: the API's JSON answer
  curl -s --get --data-urlencode "query=$1" "$PROM/api/v1/query"
}
series() { # EXPR: the number of series it answers with now
  prom_query "$1" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))'
}
all_up() { [[ "$(series 'up{job=~"duban.*"} == 1')" == "${#SERVICES[@]}" ]]; }
wait_until 30 all_up

# --- something to show -----------------------------------------------------------
# a broken message triage refuses (from a faulty intake, as in
# bus_bad_input.sh), first: intake's counters start again when it does
harness_stop intake
BUS_INJECT_KEY=$H_DIR/secrets/bus_intake.key "$DUBAN_BIN_DIR/bus_inject" push "$H_INTAKE_OUT" CASE_RECEIVED ||
  fail "could not inject into triage"
harness_start intake
wait_until 30 all_up
for i in 1 2 3; do
  n=$(harness_ctl submit --channel hotline --kind complaint --operator op001 --subject "电子秤不准 $i" \
    --description 缺斤短两 --category metrology) || fail "submit $i failed"
done
assert_eq 400 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary '{"channel":"web","kind":"complaint","subject":""}' "$H_INTAKE_URL/api/v1/public/cases")" \
  "a refused public case"
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$n'")" == dispatched ]]; }
wait_until 20 dispatched
# one task overdue (watch raises its alert), and a reconnect to Redis
psql_q "UPDATE tasks SET completion_due = now() - interval '1 hour' WHERE case_id =
  (SELECT id FROM cases WHERE case_number = '$n')" >/dev/null
redis_ids() { redis_q CLIENT LIST | sed -n "s/^id=\([0-9]*\) .* name=duban-$1-$(harness_pid "$1") .*/\1/p"; }
for id in $(redis_ids triage); do redis_q CLIENT KILL ID "$id" >/dev/null; done
in_prometheus() { (($(series "$1") > 0)); }
wait_until 30 in_prometheus 'duban_tasks_overdue{division="metrology"} == 1'
wait_until 30 in_prometheus 'duban_reconnects_total{to="redis"} > 0'
wait_until 30 in_prometheus 'duban_alerts_raised_total > 0'
wait_until 30 in_prometheus 'duban_stage_latency_seconds_count{stage="dispatch"} > 0'
wait_until 30 in_prometheus 'duban_messages_refused_total{job="duban-triage"} > 0'

# --- the dashboard's queries and its page ------------------------------------------
export DUBAN_PROMETHEUS_URL=$PROM DUBAN_TEST_DIR=$H_DIR
/usr/bin/python3 "$DUBAN_SOURCE_DIR/tests/browser/monitoring_test.py" || fail "dashboard checks failed (screenshots in $H_DIR/screens)"

# --- an alert rule on the real engine ---------------------------------------------
alert_state() { # ALERTNAME JOB: pending / firing / "" (none)
  curl -s "$PROM/api/v1/alerts" | /usr/bin/python3 -c '
import json, sys
for a in json.load(sys.stdin)["data"]["alerts"]:
    if a["labels"].get("alertname") == sys.argv[1] and a["labels"].get("job") == sys.argv[2]:
        print(a["state"])' "$1" "$2"
}
rules_loaded() { curl -s "$PROM/api/v1/rules" | grep -q '"name":"DubanServiceDown"'; }
wait_until 10 rules_loaded
assert_eq "" "$(alert_state DubanServiceDown duban-bulletin)" "no alert while bulletin runs"
harness_kill9 bulletin
pending() { [[ "$(alert_state DubanServiceDown duban-bulletin)" == pending ]]; }
wait_until 20 pending
assert_eq "" "$(alert_state DubanServiceDown duban-triage)" "no alert for a service that runs"
harness_start bulletin
cleared() { [[ -z "$(alert_state DubanServiceDown duban-bulletin)" ]]; }
wait_until 20 cleared
echo "PASS monitoring"
