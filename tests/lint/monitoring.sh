# The monitoring files in deploy/monitoring are what Prometheus and Grafana
# will load: the alert rules pass promtool's check and its rule unit tests
# (each alert fires on the series it is for, and only then), every
# expression of the dashboard is valid PromQL, and the dashboard has what
# Grafana needs to import it (title, uid, a Prometheus data source variable,
# panels with a type, a title, a place and queries).
set -euo pipefail
DIR=${DUBAN_SOURCE_DIR:?}/deploy/monitoring
fail() { echo "FAIL monitoring: $*" >&2; exit 1; }
command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus, in DUBAN_PACKAGES)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/duban-monitoring.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

promtool check rules "$DIR/duban-alerts.yml" >"$tmp/check" 2>&1 || { cat "$tmp/check"; fail "alert rules refused"; }
(cd "$DIR" && promtool test rules duban-alerts.test.yml) >"$tmp/test" 2>&1 || { cat "$tmp/test"; fail "alert rule tests failed"; }
for alert in DubanServiceDown DubanOutboxBacklogGrowing DubanParkedMessages DubanOverdueRising; do
  grep -q "alert: $alert\$" "$DIR/duban-alerts.yml" || fail "no $alert rule"
done

dash=$DIR/duban-dashboard.json
jq -e '.title and .uid and (.panels | length) > 0
  and any(.templating.list[]; .type == "datasource" and .query == "prometheus")
  and all(.panels[]; .type and .title and .gridPos.w and .gridPos.h and (.targets | length) > 0
    and all(.targets[]; (.expr | length) > 0 and .refId))' "$dash" >/dev/null ||
  fail "the dashboard lacks a title, uid, data source variable or a panel's type, title, place or query"
[[ "$(jq '[.panels[].id] | unique | length' "$dash")" == "$(jq '.panels | length' "$dash")" ]] ||
  fail "two panels share an id"
# Each query as a recording rule, for promtool to parse.
{
  echo 'groups:'
  echo '  - name: dashboard'
  echo '    rules:'
  jq -r '.panels[].targets[].expr' "$dash" | while IFS= read -r expr; do
    printf '      - record: dashboard:query\n        expr: %s\n' "$(jq -Rn --arg e "$expr" '$e')"
  done
} >"$tmp/dashboard-rules.yml"
promtool check rules "$tmp/dashboard-rules.yml" >"$tmp/dcheck" 2>&1 || { cat "$tmp/dcheck"; fail "a dashboard query is not valid PromQL"; }
echo "PASS monitoring"
