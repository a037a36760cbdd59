# The inspection office's and the leaders' API (what their console pages
# read and decide with): the board of what is overdue now, by division,
# counted as the queue counts; the alerts grouped by task (a storm is one
# row) and acknowledged per row through watch, the task's older alerts with
# it; the arbitration and extension queues, decided with the workflow's
# steps; bulletins run on demand, listed and shown as pages, through the
# bulletin service's console (the same engine as dubanctl: the same digest);
# look-back re-checks decided; the month so far for the leaders; and the
# leader's role, which reads and may do nothing. Fast SLA on a
# round-the-clock calendar, so breaches and escalations come in seconds.
export DUBAN_SLA_FILE="$DUBAN_SOURCE_DIR/tests/config/sla-fast.conf"
export DUBAN_CALENDAR_ROUND_THE_CLOCK=1
source "$(dirname "$0")/../lib/harness.sh"
harness_init office_api
# 2017's ledger (for a month-check with re-checks), imported on the real SLA
# and calendar it was handled on.
(unset DUBAN_SLA_FILE DUBAN_CALENDAR_ROUND_THE_CLOCK
  harness_ctl import-history "$DUBAN_SOURCE_DIR/tests/fixtures/bulletin_2017q1.json" > /dev/null)
harness_start intake triage dispatch watch bulletin

# call STAFF METHOD PATH [BODY]: prints the status; the answer lands in $H_DIR/r.
call() {
  local who=$1 method=$2 path=$3 body=${4:-}
  local args=(-s -o "$H_DIR/r" -D "$H_DIR/h" -w '%{http_code}' -X "$method" -H "$(auth_as "$who")")
  [[ -z "$body" ]] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$H_INTAKE_URL$path"
}
r() { jq -r "$1" "$H_DIR/r"; }
submit() { harness_ctl submit --operator op001 --kind complaint --category metrology "$@" 2> /dev/null; }
task_of() { psql_q "SELECT t.id FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$1' AND t.state IN ('dispatched', 'signed')"; }

# --- Board: every division; metrology holds what the 2017 ledger left open.
assert_eq 200 "$(call insp001 GET /api/v1/board)" "the board"
assert_eq 15 "$(r '.divisions | length')" "a row per division"
base_open=$(r '.divisions[] | select(.division == "metrology") | .open')
base_overdue=$(r '.divisions[] | select(.division == "metrology") | .overdue')
assert_eq "$base_open" "$(psql_q "SELECT count(*) FROM tasks WHERE division = 'metrology' AND state IN ('dispatched', 'signed')")" \
  "open: the division's tasks neither replied nor returned"

# --- Three cases nobody signs (fast SLA: warned at 3 s, overdue at 6 s).
a=$(submit --subject 电子秤一 --description 缺斤短两)
b=$(submit --subject 电子秤二 --description 缺斤短两)
c=$(submit --subject 电子秤三 --description 缺斤短两)
board_cell() { call insp001 GET /api/v1/board > /dev/null; r ".divisions[] | select(.division == \"metrology\") | .$1"; }
warned() { [[ "$(board_cell warned)" -ge 1 ]]; }
wait_until 15 warned
overdue3() { [[ "$(board_cell overdue)" == $((base_overdue + 3)) ]]; }
wait_until 20 overdue3
assert_eq $((base_open + 3)) "$(board_cell open)" "three more open"
assert_eq 200 "$(call insp001 GET '/api/v1/divisions/metrology/queue?overdue=1')" "the cell's named tasks"
# Many pages reading the board at once share reads: every one is answered,
# with counts taken after it asked.
readers=()
for i in $(seq 1 20); do
  curl -s -o "$H_DIR/board.$i" -w '%{http_code}\n' -H "$(auth_as insp001)" "$H_INTAKE_URL/api/v1/board" > "$H_DIR/board.$i.code" &
  readers+=($!)
done
wait "${readers[@]}"
assert_eq "200" "$(sort -u "$H_DIR"/board.*.code)" "twenty board readers at once, all answered"
assert_eq "$((base_overdue + 3))" "$(jq -r '.divisions[] | select(.division == "metrology") | .overdue' "$H_DIR"/board.{1..20} | sort -u)" \
  "all with the same counts"
assert_eq "$((base_overdue + 3))|$a $b $c" "$(r '.total')|$(r "[.tasks[].case_number | select(. == \"$a\" or . == \"$b\" or . == \"$c\")] | sort | join(\" \")")" \
  "the overdue cell counts what the queue lists as overdue, by name"
assert_contains "$(harness_ctl board)" "$(printf '%-20s %8s %8s %8s' metrology $((base_open + 3)) 0 $((base_overdue + 3)))" \
  "dubanctl board reads the same"
assert_eq 200 "$(call insp001 GET '/api/v1/divisions/metrology/queue?warned=1')" "the warned filter"
assert_eq 0 "$(r .total)" "none warned once all are overdue"

# --- Alerts, one row per task: wait for the level-2 escalation of a's.
ta=$(task_of "$a")
escalated() { [[ -n "$(psql_q "SELECT 1 FROM alerts WHERE task_id = $ta AND level >= 2")" ]]; }
wait_until 20 escalated
assert_eq 200 "$(call insp001 GET /api/v1/alerts)" "the alerts"
rows_for_a=$(r "[.tasks[] | select(.task_id == $ta)] | length")
assert_eq 1 "$rows_for_a" "a storm on one task is one row"
row=$(jq -c ".tasks[] | select(.task_id == $ta)" "$H_DIR/r")
[[ "$(jq .alerts <<< "$row")" -ge 2 ]] || fail "the row counts the task's alerts: $row"
assert_eq "$(jq '.alert_ids | length' <<< "$row")" "$(jq .alerts <<< "$row")" "with their ids"
top=$(psql_q "SELECT max(level) FROM alerts WHERE task_id = $ta AND kind <> 'warning' AND acknowledged_at IS NULL")
[[ "$(jq .level <<< "$row")" -ge 2 && "$(jq .level <<< "$row")" -le "$top" ]] || fail "the row shows the highest level: $row"
assert_eq "$(r '[.tasks[].level] | sort | reverse | join(",")')" "$(r '[.tasks[].level] | join(",")')" "highest level first"
newest=$(jq .alert_id <<< "$row")

# Acknowledged as a row: the newest with the decisions, the older ones with it.
assert_eq 403 "$(call h-metrology POST "/api/v1/alerts/$newest/ack" '{"decision":"x"}')" "a division may not acknowledge"
assert_eq 422 "$(call insp001 POST "/api/v1/alerts/$newest/ack" '{"decision":""}')" "a decision is required"
assert_eq 200 "$(call insp001 POST "/api/v1/alerts/$newest/ack" '{"decision":"已电话督促计量处立即签收","rung_decision":"对经办人批评教育"}')" "acknowledged"
assert_contains "$(r .message)" "earlier alert(s) of the same task" "the older alerts went with it"
assert_eq 0 "$(psql_q "SELECT count(*) FROM alerts WHERE task_id = $ta AND id <= $newest AND kind <> 'warning' AND acknowledged_at IS NULL")" \
  "every alert of the row is acknowledged"
assert_eq "1|对经办人批评教育" "$(psql_q "SELECT count(*), max(decision) FROM accountability_decisions WHERE alert_id IN (SELECT id FROM alerts WHERE task_id = $ta)")" \
  "one accountability decision, on the alert acknowledged"
call insp001 GET /api/v1/alerts > /dev/null
assert_eq 0 "$(r "[.tasks[] | select(.task_id == $ta) | .alert_ids[] | select(. <= $newest)] | length")" \
  "the row's alerts left the list"
assert_eq 409 "$(call insp001 POST "/api/v1/alerts/$newest/ack" '{"decision":"again"}')" "once"

# --- A leader reads and may do nothing.
assert_eq 200 "$(call leader001 GET /api/v1/board)" "the leader reads the board"
assert_eq 200 "$(call leader001 GET "/api/v1/cases/$b")" "and a case"
assert_eq true "$(r .requester.redacted)" "without the requester's personal data"
assert_eq 0 "$(r '.actions | length')" "with no step offered"
assert_eq 200 "$(call leader001 GET /api/v1/divisions/metrology/queue)" "and a division's queue"
assert_eq 403 "$(call leader001 POST "/api/v1/cases/$b/steps/sign" '{}')" "a leader may not sign"
assert_eq 403 "$(call leader001 POST "/api/v1/cases/$b/steps/note" '{"text":"x"}')" "nor note"
assert_eq 403 "$(call leader001 POST /api/v1/cases '{"channel":"hotline","kind":"complaint","subject":"s","description":"d"}')" "nor file a case"
assert_eq 403 "$(call leader001 POST "/api/v1/alerts/$newest/ack" '{"decision":"x"}')" "nor acknowledge"
assert_eq 403 "$(call leader001 POST "/api/v1/cases/$b/confidential" '{"confidential":true}')" "nor mark a case"
assert_eq 403 "$(call h-metrology GET /api/v1/board)" "a division does not read the bureau's board"

# --- Arbitration: returned by metrology to fiber, by fiber back: a second return.
d=$(submit --subject 棉被标签不符 --description 纤维含量)
routed() { [[ -n "$(task_of "$d")" ]]; }
wait_until 10 routed
harness_ctl return "$d" --as h-metrology --reason 属纤维制品 --to fiber > /dev/null
on_fiber() { [[ "$(psql_q "SELECT t.division FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$d' AND t.state = 'dispatched'")" == fiber ]]; }
wait_until 10 on_fiber
harness_ctl return "$d" --as h-fiber --reason 属计量问题 --to metrology > /dev/null
assert_eq arbitration "$(psql_q "SELECT state FROM cases WHERE case_number = '$d'")" "waiting for arbitration"
assert_eq 200 "$(call insp001 GET /api/v1/arbitrations)" "the arbitration queue"
assert_contains "$(harness_ctl arbitrations --division metrology)" "returned by fiber to metrology: 属计量问题" \
  "dubanctl arbitrations"
assert_eq "$d|metrology,fiber|属纤维制品" "$(r ".cases[] | select(.case_number == \"$d\") | [.case_number, ([.returns[].division] | join(\",\")), .returns[0].reason] | join(\"|\")")" \
  "the case with its two returns, in order"
call insp001 GET "/api/v1/arbitrations?division=fiber" > /dev/null
assert_eq "$d" "$(r '.cases[0].case_number')" "under each division that returned it"
call insp001 GET /api/v1/board > /dev/null
assert_eq "1|1|1" "$(r '[(.divisions[] | select(.division == "metrology") | .arbitration), (.divisions[] | select(.division == "fiber") | .arbitration), .totals.arbitration] | join("|")')" \
  "on the board under both, once in the totals"
assert_eq 403 "$(call leader001 POST "/api/v1/cases/$d/steps/arbitrate" '{"division":"metrology","text":"x"}')" "a leader may not arbitrate"
assert_eq 200 "$(call insp001 POST "/api/v1/cases/$d/steps/arbitrate" '{"division":"fiber","text":"纤维含量标签问题由纤检局办理"}')" "arbitrated"
call insp001 GET /api/v1/arbitrations > /dev/null
assert_eq 0 "$(r "[.cases[] | select(.case_number == \"$d\")] | length")" "decided: off the queue"

# --- Extension: signed, five more days asked, decided by the inspection office.
e=$(submit --subject 加油机 --description 加油机计量)
routed_e() { [[ -n "$(task_of "$e")" ]]; }
wait_until 10 routed_e
harness_ctl sign "$e" --as h-metrology > /dev/null
harness_ctl extend "$e" --as h-metrology --by 5d --reason 需送检定机构检测 > /dev/null
assert_eq 200 "$(call insp001 GET /api/v1/extensions)" "the extension queue"
assert_eq "$e|metrology|5d|需送检定机构检测|completion" "$(r ".tasks[] | select(.case_number == \"$e\") | [.case_number, .division, .window, .reason, .deadline] | join(\"|\")")" \
  "the request with what was asked and why, and the deadline it moves"
assert_eq "$e" "$(harness_ctl extensions --json | jq -r '.tasks[0].case_number')" "dubanctl extensions --json"
assert_eq 200 "$(call insp001 POST "/api/v1/cases/$e/steps/decide-extension" '{"grant":true,"text":"同意延期"}')" "granted"
call insp001 GET /api/v1/extensions > /dev/null
assert_eq 0 "$(r "[.tasks[] | select(.case_number == \"$e\")] | length")" "decided: off the queue"

# --- Bulletins on demand, through the bulletin service's console.
assert_eq 403 "$(call h-metrology POST /api/v1/bulletins '{"kind":"month","period":"2017-03"}')" "a division does not run bulletins"
assert_eq 403 "$(call leader001 POST /api/v1/bulletins '{"kind":"month","period":"2017-03"}')" "nor does a leader"
assert_eq 200 "$(call insp001 POST /api/v1/bulletins '{"kind":"month","period":"2017-03"}')" "the March month-check"
assert_eq "published|4|2017年3月月检查" "$(r '[.result, .rechecks, .title] | join("|")')" "published, with its re-check tasks"
digest=$(r .digest)
assert_eq "$digest" "$(psql_q "SELECT digest FROM bulletins WHERE label = '2017-03'")" "stored as published"
assert_contains "$(harness_ctl bulletin month 2017-03 --no-files)" "unchanged: digest $digest" \
  "dubanctl computes the same record: one engine"
assert_eq 200 "$(call insp001 POST /api/v1/bulletins '{"kind":"month","period":"2017-03"}')" "again"
assert_eq unchanged "$(r .result)" "the same period again changes nothing"
now_month=$(date -u +%Y-%m)
assert_eq 409 "$(call insp001 POST /api/v1/bulletins "{\"kind\":\"month\",\"period\":\"$now_month\"}")" "a month not ended"
assert_contains "$(r .detail)" "has not ended yet" "says why"
assert_eq 400 "$(call insp001 POST /api/v1/bulletins '{"kind":"quarter","period":"2017-03"}')" "a period of another kind"
assert_eq 200 "$(call op001 GET /api/v1/bulletins)" "anyone reads the list"
# (the service's schedule may meanwhile publish last month's check, which
# would come first: the one asked for is looked up by its period)
assert_eq "2017-03|month|月检查|4|4" "$(r '.bulletins[] | select(.period == "2017-03" and .kind == "month") | [.period, .kind, .kind_name, .rechecks, .rechecks_pending] | join("|")')" "listed"
assert_eq 200 "$(call leader001 GET /api/v1/bulletins/2017-03.html)" "its page"
assert_contains "$(tr -d '\r' < "$H_DIR/h")" "Content-Type: text/html; charset=utf-8" "HTML"
assert_contains "$(tr -d '\r' < "$H_DIR/h")" "Content-Security-Policy: default-src 'none'" "that may load nothing"
assert_contains "$(cat "$H_DIR/r")" "关于2017年3月督办工作月检查情况的通报" "with its title (the document's)"
assert_eq 200 "$(call leader001 GET /api/v1/bulletins/2017-03)" "its record"
assert_eq "$digest" "$(sha256sum < "$H_DIR/r" | cut -d' ' -f1)" "byte for byte as published"
assert_eq 404 "$(call leader001 GET /api/v1/bulletins/2016-01.html)" "an unpublished period"

# --- Look-back re-checks.
assert_eq 403 "$(call leader001 GET /api/v1/rechecks)" "re-checks are the inspection office's"
assert_eq 200 "$(call insp001 GET /api/v1/rechecks)" "the re-checks waiting"
assert_eq 4 "$(r '.rechecks | length')" "four"
rid=$(r '.rechecks[0].id')
rcase=$(r '.rechecks[0].case_number')
rdiv=$(r '.rechecks[0].division')
assert_eq 422 "$(call insp001 POST "/api/v1/rechecks/$rid" '{"result":"fail"}')" "a note is required"
assert_eq 200 "$(call insp001 POST "/api/v1/rechecks/$rid" '{"result":"fail","note":"回访发现问题未解决"}')" "failed"
assert_eq "true|$rdiv" "$(r '[.reopened, .division] | join("|")')" "the case went back to its division"
assert_eq dispatched "$(psql_q "SELECT state FROM cases WHERE case_number = '$rcase'")" "reopened"
assert_eq 409 "$(call insp001 POST "/api/v1/rechecks/$rid" '{"result":"pass","note":"x"}')" "decided once"
rid2=$(jq -r '.rechecks[1].id' <<< "$(call insp001 GET /api/v1/rechecks > /dev/null; cat "$H_DIR/r")")
assert_eq 200 "$(call insp001 POST "/api/v1/rechecks/$rid2" '{"result":"pass","note":"整改到位"}')" "passed"
call insp001 GET /api/v1/rechecks > /dev/null
assert_eq 2 "$(r '.rechecks | length')" "two wait"
call insp001 GET '/api/v1/rechecks?all=1' > /dev/null
assert_eq "failed,passed,pending,pending" "$(r '[.rechecks[].state] | sort | join(",")')" "all four, decided ones too"

# --- The month so far, by the engine's own definitions, cut at now.
assert_eq 403 "$(call op001 GET /api/v1/dashboard)" "not for the hotline desk"
assert_eq 200 "$(call leader001 GET /api/v1/dashboard)" "the leaders' month so far"
assert_eq "$now_month|month" "$(r '.record.period')|$(r '.record.kind')" "this month"
received=$(psql_q "SELECT count(*) FROM tasks t WHERE t.role = 'lead'
  AND t.dispatched_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
  AND (t.returned_at IS NULL)")
assert_eq "$received" "$(r .record.totals.received)" "received: dispatched this month, not returned"
assert_eq "$(r .record.previous.period)" "$(date -u -d "$(date -u +%Y-%m-15) -1 month" +%Y-%m)" "against last month"
assert_eq "null|null|$(psql_q "SELECT json_array_length(record->'divisions') FROM bulletins WHERE label = '2017-03'")" \
  "$(r '.record.overdue')|$(r '.record.sample')|$(r '.record.divisions | length')" \
  "the figures without the long lists (named tasks, the draw), the divisions a month-check has"
[[ "$(r .record.totals.overdue_open)" -ge 2 ]] || fail "overdue now: $(r .record.totals.overdue_open)"
assert_contains "$(harness_ctl dashboard --as leader001)" "received $received " "dubanctl dashboard"

# --- dubanctl ack --whole-task: b's row at once.
tb=$(task_of "$b")
newest_b=$(psql_q "SELECT max(id) FROM alerts WHERE task_id = $tb AND kind <> 'warning'")
older_b=$(psql_q "SELECT count(*) FROM alerts WHERE task_id = $tb AND kind <> 'warning' AND id < $newest_b AND acknowledged_at IS NULL")
[[ "$older_b" -ge 1 ]] || fail "b has older alerts"
assert_contains "$(harness_ctl ack "$newest_b" --decision 已督办 --whole-task)" "with $older_b earlier alert(s)" "dubanctl ack --whole-task"
# --- The board counts as one pass over every open task would, at the
# board's own instant: a division with hundreds of tasks past their warning
# point and overdue, and every other division.
harness_psql -q -v ON_ERROR_STOP=1 -v division=standards -v category=standards -v n=600 \
  -f "$DUBAN_SOURCE_DIR/tests/lib/seed_queue.sql" > /dev/null
assert_eq 200 "$(call insp001 GET /api/v1/board)" "the board again"
at=$(r .now)
want=$(psql_q "SELECT string_agg(cell, ' ' ORDER BY cell COLLATE \"C\") FROM (
               SELECT concat_ws('|', division, n, warned, overdue) AS cell FROM (
                 SELECT t.division, count(*) AS n,
                        count(*) FILTER (WHERE CASE WHEN t.state = 'dispatched' THEN t.response_warn ELSE t.completion_warn END <= '$at'
                                         AND CASE WHEN t.state = 'dispatched' THEN t.response_due ELSE t.completion_due END > '$at') AS warned,
                        count(*) FILTER (WHERE CASE WHEN t.state = 'dispatched' THEN t.response_due ELSE t.completion_due END <= '$at') AS overdue
                 FROM tasks t WHERE t.state IN ('dispatched', 'signed') GROUP BY t.division) x) y")
assert_eq "$want" "$(r '[.divisions[] | select(.open > 0) | "\(.division)|\(.open)|\(.warned)|\(.overdue)"] | sort | join(" ")')" \
  "open, warned and overdue of every division"
[[ "$want" == *"standards|600|"* ]] || fail "the seeded division is on the board: $want"
echo "PASS office_api"
