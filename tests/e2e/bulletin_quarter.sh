# Bulletins from a migrated ledger: the historical cases of
# tests/fixtures/bulletin_2017q1.json are imported with their handling
# history (dubanctl import-history), then the 2017 first-quarter bulletin,
# the March month-check, the first half-year and the year are produced on
# demand (dubanctl bulletin), and every figure of the quarter is compared
# with values worked out by hand on the 2017 business calendar (below).
#
# The calendar (deploy/config/calendar/2017.conf): working hours 08:30-12:00
# and 13:30-17:30 (a working day is 7.5 h); Spring Festival holidays Fri
# Jan 27 - Thu Feb 2; Sun Jan 22 and Sat Feb 4 are make-up working days;
# Sat Apr 1 is a make-up day and Apr 2-4 are Qingming holidays. Working days:
# January 19, February 19, March 23: the quarter has 61.
# SLA (deploy/config/sla.conf): complaints respond in 8 working hours and
# complete by 17:30 of the 13th working day after the day of dispatch;
# enquiries 4 h and 3 days; reports 8 h and 15 days.
#
# The cases (times +08:00), with their deadlines as the importer computes
# them (response due / completion due) and what they count for:
#   I  metrology report   2016-12-01 09:00, replied 12-20, satisfied: the
#      previous quarter (2016 has no calendar file: plain weekdays).
#   A  metrology complaint Tue 01-10 10:00 (due 01-11 10:30 / 01-26 17:30),
#      signed 01-10 15:00, replied 01-20 16:00, callback 01-23 satisfied.
#   B  metrology complaint Tue 01-24 09:00 (due 01-25 09:30 / 02-16 17:30:
#      the 13 working days skip the Spring Festival and count Sat 02-04),
#      signed 01-25 09:00, replied 02-17 10:00 (late), callback 02-20 basically.
#   J  metrology enquiry  Mon 02-06 14:00 (due 02-07 09:00 / 02-09 17:30),
#      never signed: the reply 02-07 16:00 signs it, after the response
#      deadline; closed without callback.
#   C  fiber complaint    Wed 02-08 10:00 (due 02-09 10:30 / 02-27 17:30),
#      signed 02-08 11:00; waits for material Fri 02-10 09:00 to Wed 02-15
#      14:30 = 7 + 15 + 4.5 = 26.5 working hours, so completion moves to
#      Fri 03-03 14:00; an extension of 5d (37.5 h) moves it to Fri 03-10
#      14:00; replied Thu 03-09 16:00 (on time); callback 03-10 11:00
#      unsatisfied: reopened to fiber, task 2 dispatched 03-10 11:00 (due
#      03-13 11:30 / 03-29 17:30), signed 03-13 09:00, never replied.
#   D  fees complaint     Mon 03-06 09:00 to finance (response due 03-07
#      09:30), returned 15:00 to certification: new task 03-06 15:00 (due
#      03-07 15:30 / 03-23 17:30), signed 03-07 10:00, replied 03-22 11:00,
#      callback 03-23 satisfied.
#   E  fees complaint     Tue 03-14 09:00 to finance (response due 03-15
#      09:30), returned 10:00 to licensing (due 03-15 10:30), returned by it
#      16:00 back to finance: second return, arbitration; arbitrated 03-15
#      10:00 to finance (finance's return was groundless): task 03-15 10:00
#      (due 03-16 10:30 / Sat 04-01 17:30), signed 11:00, replied 03-24
#      16:00, callback 03-27 satisfied.
#   F  standards enquiry  Fri 03-31 16:00 (due Sat 04-01 11:00 / 04-06
#      17:30): received in the quarter, nothing else due in it.
#   G  e-commerce complaint Wed 02-22 09:00, enforcement lead and supervision
#      co-handling (due 02-23 09:30 / 03-13 17:30); supervision signs 02-22
#      14:00 and gives its input 03-03 10:00; enforcement signs 02-24 10:00
#      (late) and never replies. The watch service's alerts and violations
#      for it are inserted below.
#   H  metrology complaint 03-01, flagged (watch list): in no figure.
#   K01-K11 office-legal enquiries Wed 03-01 09:00 (due 03-01 14:30 / 03-06
#      17:30), signed 10:00, replied Thu 03-02 10:00 (7 + 1.5 = 8.5 h), closed.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/browser.sh"
harness_init bulletin_quarter
FIXTURE=$DUBAN_SOURCE_DIR/tests/fixtures/bulletin_2017q1.json
OUT=$H_DIR/bulletins

# --- The ledger: 21 cases, and a second import adds nothing.
out=$(harness_ctl import-history "$FIXTURE" 2>&1)
assert_contains "$out" "imported 21, extended 0, already present 0, refused 0" "ledger imported"
out=$(harness_ctl import-history "$FIXTURE" 2>&1)
assert_contains "$out" "imported 0, extended 0, already present 21, refused 0" "re-import adds nothing"
# H2: another flagged metrology complaint, handled and closed with a
# satisfied callback in March; like H it is in no figure, nor among the
# closed cases the look-back sample is drawn from.
cat > "$H_DIR/flagged.json" <<'JSON'
[{"external_ref": "TZ2017-H2", "channel": "hotline", "kind": "complaint", "category": "metrology",
  "subject": "恶意重复投诉", "description": "恶意重复投诉（历史台账）", "first_responder": "op001",
  "received_at": "2017-03-06T08:30:00+08:00", "requester": {"name": "陈恶意", "phone": "13800009999"},
  "flagged": true,
  "steps": [{"step": "dispatched", "at": "2017-03-06T09:00:00+08:00", "division": "metrology"},
            {"step": "signed", "at": "2017-03-06T10:00:00+08:00", "by": "h-metrology"},
            {"step": "replied", "at": "2017-03-07T10:00:00+08:00", "result": "已答复"},
            {"step": "informed", "at": "2017-03-07T11:00:00+08:00"},
            {"step": "callback", "at": "2017-03-07T12:00:00+08:00", "satisfaction": "satisfied"}]}]
JSON
out=$(harness_ctl import-history "$H_DIR/flagged.json" 2>&1)
assert_contains "$out" "imported 1, extended 0, already present 0, refused 0" "the flagged case imported"
assert_eq "closed|t" "$(psql_q "SELECT state, flagged FROM cases WHERE external_ref = 'TZ2017-H2'")" \
  "the flagged case closed"
num() { psql_q "SELECT case_number FROM cases WHERE external_ref = '$1'"; }
due() { # REF DIVISION ROUND COLUMN: a deadline of a task, local time
  psql_q "SELECT to_char(t.$4 AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM tasks t
          JOIN cases c ON c.id = t.case_id WHERE c.external_ref = '$1' AND t.division = '$2'
          AND t.round = $3 AND t.role = 'lead'"
}
assert_eq "2017-02-16 17:30" "$(due TZ2017-B metrology 1 completion_due)" "13 working days over the Spring Festival"
assert_eq "2017-03-10 14:00" "$(due TZ2017-C fiber 1 completion_due)" "moved by the material pause and the extension"
assert_eq "125:30:00|37:30:00" "$(psql_q "SELECT paused_total, extension_by FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.external_ref = 'TZ2017-C' AND t.round = 1")" "pause (natural) and extension (working) recorded"
assert_eq "2017-04-01 17:30" "$(due TZ2017-E finance 2 completion_due)" "make-up Saturday counts"
assert_eq "arbitrated" "$(psql_q "SELECT string_agg(type, ',') FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.external_ref = 'TZ2017-E' AND e.detail->'groundless_returns' ? 'finance'")" "groundless return recorded"

# --- The violations the history shows, recorded by the import as live
#     operation records them (watch at a missed deadline, at the deadline;
#     the arbitration of a groundless return; a reopen against the reply it
#     judged), with their historical times; H is flagged but its violations
#     are recorded all the same (the bulletin leaves the case out).
viol=$(psql_q "SELECT string_agg(concat_ws(' ', c.external_ref, v.division, v.kind,
          to_char(v.at AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI')), ',' ORDER BY v.at, c.external_ref, v.kind)
        FROM violations v JOIN cases c ON c.id = v.case_id")
assert_eq "TZ2017-J metrology response_overdue 02-07 09:00,TZ2017-B metrology completion_overdue 02-16 17:30,TZ2017-G enforcement response_overdue 02-23 09:30,TZ2017-H metrology response_overdue 03-02 09:30,TZ2017-C fiber reopen 03-10 11:00,TZ2017-G enforcement completion_overdue 03-13 17:30,TZ2017-E finance groundless_return 03-15 10:00,TZ2017-H metrology completion_overdue 03-20 17:30,TZ2017-C fiber completion_overdue 03-29 17:30" \
  "$viol" "violations as the history shows them"

# --- What the watch service would have raised for G's enforcement task:
#     the response breach 02-23 09:30, a warning 03-10 12:00, the completion
#     breach 03-13 17:30 and an escalation to level 2 on 03-14 12:00.
psql_q "WITH t AS (SELECT t.id, t.case_id FROM tasks t JOIN cases c ON c.id = t.case_id
          WHERE c.external_ref = 'TZ2017-G' AND t.division = 'enforcement')
        INSERT INTO alerts (task_id, case_id, division, deadline, kind, level, due_at, raised_at)
        SELECT t.id, t.case_id, 'enforcement', a.deadline, a.kind, a.level, a.at::timestamptz, a.at::timestamptz
        FROM t, (VALUES ('response', 'breach', 1, '2017-02-23 09:30+08'),
                        ('completion', 'warning', 0, '2017-03-10 12:00+08'),
                        ('completion', 'breach', 1, '2017-03-13 17:30+08'),
                        ('completion', 'escalation', 2, '2017-03-14 12:00+08')) a(deadline, kind, level, at)" > /dev/null

# --- The quarter-bulletin.
out=$(harness_ctl bulletin quarter 2017-Q1 2>&1)
assert_contains "$out" "bulletin 2017-Q1 published" "quarter published"
rec() { psql_q "SELECT record::jsonb #>> '{$2}' FROM bulletins WHERE label = '$1'"; }
assert_eq "quarter|2017-Q1|2017年第一季度通报|2017-01-01|2017-03-31|61" \
  "$(rec 2017-Q1 kind)|$(rec 2017-Q1 period)|$(rec 2017-Q1 title)|$(rec 2017-Q1 from)|$(rec 2017-Q1 to)|$(rec 2017-Q1 working_days)" "header"

# A row of figures: received | response due, met, rate | on time due, met,
# rate | overdue open, days | replies, average days | returns, arbitrated,
# groundless returns, reopened, extensions | callbacks, satisfied,
# basically, unsatisfied, rate | warnings, level 1, 2, 3 | violations, rung
FIG="f->>'received', f#>>'{response,due}', f#>>'{response,met}', f#>>'{response,rate}',
  f#>>'{ontime,due}', f#>>'{ontime,met}', f#>>'{ontime,rate}', f->>'overdue_open', f->>'overdue_days',
  f->>'replies', f->>'avg_handling_days', f->>'returns', f->>'arbitrated', f->>'groundless_returns',
  f->>'reopened', f->>'extensions', f#>>'{satisfaction,callbacks}', f#>>'{satisfaction,satisfied}',
  f#>>'{satisfaction,basically}', f#>>'{satisfaction,unsatisfied}', f#>>'{satisfaction,rate}',
  f#>>'{alerts,warning}', f#>>'{alerts,level_1}', f#>>'{alerts,level_2}', f#>>'{alerts,level_3}',
  f->>'violations', coalesce(f->>'rung', '-')"
divisions() { # LABEL [PATH]: one row per division in record order, with score, grade, rank
  psql_q "SELECT concat_ws('|', f->>'division', $FIG, f->>'score', f->>'grade', coalesce(f->>'rank', '-'))
          FROM bulletins b, jsonb_array_elements(b.record::jsonb #> '{${2:-divisions}}') WITH ORDINALITY x(f, i)
          WHERE b.label = '$1' ORDER BY i"
}
figures() { # LABEL PATH: the figures of one object (totals)
  psql_q "SELECT concat_ws('|', $FIG) FROM bulletins b, LATERAL (SELECT b.record::jsonb #> '{$2}') x(f) WHERE b.label = '$1'"
}
expected() { grep -v '^#' | sed 's/[[:space:]]*$//'; } # the lines below minus the comments

want=$(expected <<'EOF'
# In the org file's order (deploy/config/org.conf); the inspection office
# (督查室) supervises the others and is neither scored nor ranked: it is
# listed apart (not_ranked), below.
# office-legal: K01-K11, all on time; each reply 8.5 h = 1.13 -> 1.1 days;
# closed without callbacks (satisfaction n/a). Score (20 x 100 + 50 x 100)
# / 70 = 100.0, grade A, rank 1 (tied).
office-legal|11|11|11|100.0|11|11|100.0|0|0.0|11|1.1|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|100.0|A|1
# supervision: only co-handling (shown apart below).
supervision|0|0|0|n/a|0|0|n/a|0|0.0|0|n/a|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|n/a|n/a|-
# enforcement: G. Response due 02-23 09:30, signed 02-24 10:00: 0/1 (0.0).
# Completion due 03-13 17:30, not replied: 0/1; overdue at the quarter's
# end by 03-14..17 (4) + 03-20..24 (5) + 03-27..31 (5) = 14.0 working days.
# Alerts: 1 warning, 2 breaches (level 1), 1 escalation (level 2); 2
# violations reach the first rung (批评教育, min 1). Score: rates 0 -> 0,
# less 5 (overdue) and 3 x 1 (alerts): kept at 0.0, grade D, rank 7.
enforcement|1|1|0|0.0|1|0|0.0|1|14.0|0|n/a|0|0|0|0|0|0|0|0|0|n/a|1|2|1|0|2|criticism|0.0|D|7
# fiber: C (task 1) and its reopened task 2 received. Response: 02-09 10:30
# met (02-08 11:00), 03-13 11:30 met (09:00): 2/2. On time: task 1 due
# 03-10 14:00 met (03-09 16:00), task 2 due 03-29 17:30 not replied: 1/2.
# Overdue at the end: task 2 by 03-30 and 03-31 = 2.0 days. Handling of
# task 1: 02-08 10:00 -> 03-09 16:00 = 6 + 15 + 37.5 + 37.5 + 15 + 22.5 +
# 22.5 + 6 = 162 h = 21.6 days (the requester's wait, pause included).
# 1 reopen, 1 extension; the callback was unsatisfied: 0.0. Violations:
# the reopen and task 2's missed completion deadline (2: 批评教育). Score:
# (20 x 100 + 50 x 50 + 30 x 0) / 100 = 45, less 5 (overdue) and 3 (reopen)
# = 37.0, grade D, rank 6.
fiber|2|2|2|100.0|2|1|50.0|1|2.0|1|21.6|0|0|0|1|1|1|0|0|1|0.0|0|0|0|0|2|criticism|37.0|D|6
# metrology: A, B, J (H is flagged and left out). Response: A met, B met, J
# missed (its reply 02-07 16:00 came after 09:00): 2/3 = 66.7. On time: A
# met, B missed (02-17 after 02-16 17:30), J met: 2/3. Handling: A 01-10
# 10:00 -> 01-20 16:00 = 6 + 52.5 + 6 = 64.5 h; B 01-24 09:00 -> 02-17
# 10:00 = 7 + 15 + 15 + 37.5 + 30 + 1.5 = 106 h; J 02-06 14:00 -> 02-07
# 16:00 = 3.5 + 6 = 9.5 h; mean 180 / 3 = 60 h = 8.0 days. Callbacks: A
# satisfied, B basically (J closed without one): 2/2 = 100.0. Violations:
# J's response and B's completion deadlines missed (2). Score: (20 x 66.67
# + 50 x 66.67 + 30 x 100) / 100 = 76.67 -> 76.7, grade B, rank 5.
metrology|3|3|2|66.7|3|2|66.7|0|0.0|3|8.0|0|0|0|0|0|2|1|1|0|100.0|0|0|0|0|2|criticism|76.7|B|5
# standards: F received 03-31; its response deadline (Sat 04-01 11:00) and
# completion (04-06) fall after the quarter: every rate has an empty
# denominator -> n/a (never 100%), not scored, not ranked.
standards|1|0|0|n/a|0|0|n/a|0|0.0|0|n/a|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|n/a|n/a|-
special-equipment|0|0|0|n/a|0|0|n/a|0|0.0|0|n/a|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|n/a|n/a|-
# certification: D's second task. Response due 03-07 15:30, signed 03-07
# 10:00: 1/1. Completion due 03-23 17:30, replied 03-22: 1/1. Handling 03-06
# 15:00 -> 03-22 11:00 = 2.5 + 30 (03-07..10) + 37.5 (03-13..17) + 15
# (03-20, 21) + 2.5 = 87.5 h = 11.67 -> 11.7 days. Callback satisfied.
# Score: all three rates 100 -> 100.0, grade A, rank 1 (tied).
certification|1|1|1|100.0|1|1|100.0|0|0.0|1|11.7|0|0|0|0|0|1|1|0|0|100.0|0|0|0|0|0|-|100.0|A|1
# licensing: E's task, returned 03-14 16:00 before its response deadline
# 03-15 10:30: response 1/1, 1 return, nothing received, nothing else.
# Score: response only, 100.0, grade A, rank 1 (tied).
licensing|0|1|1|100.0|0|0|n/a|0|0.0|0|n/a|1|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|100.0|A|1
# finance: D's and E's first tasks were returned (2 returns; not received),
# each before its response deadline (03-07 09:30, 03-15 09:30): met; E's
# arbitrated task signed 03-15 11:00 before 03-16 10:30: met -> 3/3. Its
# completion falls on 04-01, after the quarter: on time n/a. Reply 03-15
# 10:00 -> 03-24 16:00 = 6 + 15 + 30 + 6 = 57 h = 7.6 days. E's callback
# judged finance's reply: satisfied. Arbitration named finance (1), which
# had returned it: 1 groundless return, a violation. Score: (20 x 100 + 30
# x 100) / 50 = 100, less 3 -> 97.0, grade A, rank 4.
finance|1|3|3|100.0|0|0|n/a|0|0.0|1|7.6|2|1|1|0|0|1|1|0|0|100.0|0|0|0|0|1|criticism|97.0|A|4
personnel|0|0|0|n/a|0|0|n/a|0|0.0|0|n/a|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|n/a|n/a|-
party|0|0|0|n/a|0|0|n/a|0|0.0|0|n/a|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|n/a|n/a|-
discipline|0|0|0|n/a|0|0|n/a|0|0.0|0|n/a|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|n/a|n/a|-
discipline-group|0|0|0|n/a|0|0|n/a|0|0.0|0|n/a|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|n/a|n/a|-
EOF
)
assert_eq "$want" "$(divisions 2017-Q1)" "every division's figures"

want=$(expected <<'EOF'
# Bureau (lead): received 3 + 2 + 1 + 1 + 1 + 11 = 20; response 20/22 =
# 90.9; on time 15/18 = 83.3; overdue 2 (14.0 + 2.0 = 16.0 days); replies
# 17 with 486.5 + 93.5 = 580 h: 34.12 h = 4.5 days; returns 2 + 1 = 3;
# callbacks 5: 3 satisfied, 1 basically, 1 unsatisfied = 80.0; violations
# 2 + 2 + 1 + 2 = 7 (诫勉谈话 from 5).
20|22|20|90.9|18|15|83.3|2|16.0|17|4.5|3|1|1|1|1|5|3|1|1|80.0|1|2|1|0|7|admonish
EOF
)
assert_eq "$want" "$(figures 2017-Q1 totals)" "bureau totals"

# Co-handling, apart: supervision's task on G. Response 02-23 09:30 met
# (02-22 14:00); due 03-13 17:30, input 03-03 10:00: on time. Handling 02-22
# 09:00 -> 03-03 10:00 = 7 + 45 + 1.5 = 53.5 h = 7.13 -> 7.1 days.
want="supervision|1|1|1|100.0|1|1|100.0|0|0.0|1|7.1|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-|-" # no score, grade or rank
assert_eq "$want" "$(divisions 2017-Q1 co_handling,divisions)" "co-handling shown apart"
assert_eq "1|1|1|100.0|1|1|100.0|0|0.0|1|7.1|0|0|0|0|0|0|0|0|0|n/a|0|0|0|0|0|-" \
  "$(figures 2017-Q1 co_handling,totals)" "co-handling totals"

# Named overdue cases at the quarter's end, most overdue first: case
# number, division, role, deadline, working days over (nothing personal).
want="$(num TZ2017-G)|enforcement|lead|2017-03-13T17:30:00+08:00|14.0
$(num TZ2017-C)|fiber|lead|2017-03-29T17:30:00+08:00|2.0"
assert_eq "$want" "$(psql_q "SELECT concat_ws('|', o->>'case_number', o->>'division', o->>'role', o->>'completion_due', o->>'working_days_over')
  FROM bulletins b, jsonb_array_elements(b.record::jsonb->'overdue') WITH ORDINALITY x(o, i) WHERE b.label = '2017-Q1' ORDER BY i")" "named overdue cases"
assert_eq "case_number,completion_due,division,name,role,working_days_over" \
  "$(psql_q "SELECT string_agg(k, ',' ORDER BY k) FROM bulletins b, jsonb_object_keys(b.record::jsonb->'overdue'->0) k WHERE b.label = '2017-Q1'")" \
  "an overdue entry holds nothing else"

# Ranking: ties share a rank, in the configured order; the inspection office
# is not ranked.
assert_eq "1 office-legal A,1 certification A,1 licensing A,4 finance A,5 metrology B,6 fiber D,7 enforcement D" \
  "$(psql_q "SELECT string_agg(concat_ws(' ', r->>'rank', r->>'division', r->>'grade'), ',' ORDER BY i)
    FROM bulletins b, jsonb_array_elements(b.record::jsonb->'ranking') WITH ORDINALITY x(r, i) WHERE b.label = '2017-Q1'")" "ranking"

# Month by month (lead):
#   January: received A, B; response A, B met (2/2); on time A (1/1);
#     callback A satisfied; reply A 64.5 h = 8.6 days; none overdue at 01-31.
#   February: received J, C, G; response J missed, C met, G missed (1/3 =
#     33.3); on time B missed, J met (1/2); callback B basically (1/1);
#     replies B 106 h + J 9.5 h = 57.75 h = 7.7 days; none overdue at 02-28.
#   March: received D's, E's and C's new tasks, F, K01-K11 = 15; response
#     17/17; on time C, D met, G, C's second missed, K x 11 met: 13/15 =
#     86.7; callbacks C unsatisfied, D and E satisfied: 66.7; replies C, D,
#     E, K x 11 = 162 + 87.5 + 57 + 93.5 = 400 h / 14 = 3.8 days; 2 overdue.
want="2017-01|2|100.0|100.0|100.0|8.6|0
2017-02|3|33.3|50.0|100.0|7.7|0
2017-03|15|100.0|86.7|66.7|3.8|2"
trend() {
  psql_q "SELECT concat_ws('|', t->>'month', t->>'received', t->>'response_rate', t->>'ontime_rate',
          t->>'satisfaction_rate', t->>'avg_handling_days', t->>'overdue_open')
          FROM bulletins b, jsonb_array_elements(b.record::jsonb->'trend') WITH ORDINALITY x(t, i) WHERE b.label = '$1' ORDER BY i"
}
assert_eq "$want" "$(trend 2017-Q1)" "month-by-month trend"

# Change against 2016-Q4, when only I (metrology) was handled, all met:
# metrology scored 100.0 (A, rank 1). Now: received +2, response and on
# time 66.7 - 100.0 = -33.3 points, satisfaction 100.0 - 100.0 = 0.0, score
# 76.7 - 100.0 = -23.3. Divisions without a previous score: n/a.
assert_eq "2016-Q4|2|-33.3|-33.3|0.0|-23.3|A|1" \
  "$(psql_q "SELECT concat_ws('|', c->>'previous', c->>'received', c->>'response_rate', c->>'ontime_rate', c->>'satisfaction_rate', c->>'score', c->>'grade_before', c->>'rank_before')
    FROM bulletins b, jsonb_array_elements(b.record::jsonb->'divisions') d, LATERAL (SELECT d->'change') x(c)
    WHERE b.label = '2017-Q1' AND d->>'division' = 'metrology'")" "change of metrology"
assert_eq "2|n/a|n/a|n/a|n/a" \
  "$(psql_q "SELECT concat_ws('|', d#>>'{change,received}', d#>>'{change,response_rate}', d#>>'{change,ontime_rate}', d#>>'{change,score}', coalesce(d#>>'{change,grade_before}', 'n/a'))
    FROM bulletins b, jsonb_array_elements(b.record::jsonb->'divisions') d WHERE b.label = '2017-Q1' AND d->>'division' = 'fiber'")" "change of fiber"
assert_eq "1|1|100.0|1|100.0|1|100.0" \
  "$(psql_q "SELECT concat_ws('|', r #>> '{totals,received}', r #>> '{totals,response,met}', r #>> '{totals,response,rate}', r #>> '{totals,ontime,met}', r #>> '{totals,ontime,rate}', r #>> '{totals,satisfaction,satisfied}', r #>> '{totals,satisfaction,rate}')
    FROM bulletins b, LATERAL (SELECT b.record::jsonb->'previous') x(r) WHERE b.label = '2017-Q1'")" "previous quarter's totals"

# --- The record and its files: the JSON file is the record byte for byte,
#     and a second run gives the same bytes (digest and every file).
digest=$(psql_q "SELECT digest FROM bulletins WHERE label = '2017-Q1'")
assert_eq "$digest" "$(sha256sum < "$OUT/2017-Q1.json" | cut -c1-64)" "the JSON file is the record"
assert_eq "$digest" "$(psql_q "SELECT encode(sha256(convert_to(record::text, 'UTF8')), 'hex') FROM bulletins WHERE label = '2017-Q1'")" "the stored record is the same text"
before=$(cd "$OUT" && sha256sum 2017-Q1.*)
out=$(harness_ctl bulletin quarter 2017-Q1 2>&1)
assert_contains "$out" "bulletin 2017-Q1 unchanged: digest $digest" "second run: same digest"
assert_eq "$before" "$(cd "$OUT" && sha256sum 2017-Q1.*)" "second run: byte-identical files"
assert_eq 1 "$(psql_q "SELECT count(*) FROM bulletins WHERE label = '2017-Q1'")" "one record"

# --- The document the bureau issues: its issuing body, number (the
#     quarter's place among the year's documents: quarters follow the 12
#     month-checks, so Q1 is 13), title, addressee, issue date (the day it
#     is due on schedule, Sat 2017-04-01, a make-up working day: never the day
#     it was computed), copies and printer, from deploy/config/bulletin.conf.
assert_eq "某省质量技术监督局|质监督查〔2017〕13号|关于2017年第一季度督办工作情况的通报|局属各处室、单位|2017-04-01|2017年4月1日|局领导,驻局纪检组|某省质量技术监督局督查室" \
  "$(psql_q "SELECT concat_ws('|', d->>'issuer', d->>'number', d->>'title', d->>'addressee', d->>'issue_date', d->>'issue_date_cn',
       (SELECT string_agg(c, ',') FROM jsonb_array_elements_text(d->'copy_to') c), d->>'printer')
     FROM bulletins b, LATERAL (SELECT b.record::jsonb->'document') x(d) WHERE b.label = '2017-Q1'")" "the document"
assert_eq "inspection:督查室" "$(psql_q "SELECT string_agg(o->>'division' || ':' || (o->>'name'), ',') FROM bulletins b, jsonb_array_elements(b.record::jsonb->'not_ranked') o WHERE b.label = '2017-Q1'")" "the inspection office is not ranked"
# Hot topics: the quarter's 20 received lead tasks by category (K01-K11 办事咨询;
# A, B, J 计量; C and its reopen 纤维制品; D's and E's new tasks 涉企收费; G
# 电子商务 and F 标准化 one each) against the previous quarter (I, 计量).
assert_eq "20|1|办事咨询 11 55.0 0 11,计量 3 15.0 1 2,涉企收费 2 10.0 0 2,纤维制品 2 10.0 0 2,标准化 1 5.0 0 1" \
  "$(psql_q "SELECT concat_ws('|', h->>'received', h->>'previous_received', (SELECT string_agg(concat_ws(' ', c->>'name', c->>'cases', c->>'share', c->>'previous', c->>'change'), ',' ORDER BY i)
       FROM jsonb_array_elements(h->'categories') WITH ORDINALITY y(c, i)))
     FROM bulletins b, LATERAL (SELECT b.record::jsonb->'hot_topics') x(h) WHERE b.label = '2017-Q1'")" "hot topics by category"

# --- The files: Markdown and CSV in Chinese, HTML well-formed with SVG,
#     every format with the document's head, the ranking and the scoring.
md=$(cat "$OUT/2017-Q1.md")
assert_contains "$md" "**某省质量技术监督局**" "Markdown: the issuing body"
assert_contains "$md" "质监督查〔2017〕13号" "Markdown: the document number"
assert_contains "$md" "# 关于2017年第一季度督办工作情况的通报" "Markdown title"
assert_contains "$md" "| 7 | 稽查局 | 0.0 | D（差） | — | — |" "Markdown ranking"
assert_contains "$md" "## 二、综合得分与排名" "Markdown: the ranking section"
assert_contains "$md" "督查室负责督查督办，不参加评分排名。" "Markdown: the inspection office not ranked"
assert_contains "$md" "| $(num TZ2017-G) | 稽查局 | 主办 | 2017-03-13T17:30:00+08:00 | 14.0 |" "Markdown names the overdue case"
assert_contains "$md" "| 标准化处 | 1 | 0 | 0 | — |" "Markdown: n/a shown as —"
assert_contains "$md" "“—”表示该项本期没有分母" "Markdown: the footnote on —"
assert_contains "$md" "## 六、热点问题" "Markdown: hot topics"
assert_contains "$md" "抄送：局领导，驻局纪检组。" "Markdown: copies"
assert_not_contains "$md" "n/a" "Markdown: no n/a"
# No table of the document is wider than eight columns.
widest=$(grep '^|' "$OUT/2017-Q1.md" | awk -F'|' '{ print NF - 2 }' | sort -n | tail -1)
(( widest <= 8 )) || fail "a Markdown table has $widest columns"
assert_contains "$(head -1 "$OUT/2017-Q1.csv")" "处室代码,处室,受理" "CSV header"
csv=$(cat "$OUT/2017-Q1.csv")
assert_contains "$csv" "主办,metrology,计量处,3,3,2,66.7,3,2,66.7,0,0.0,3,8.0" "CSV row"
assert_contains "$csv" "排名,处室,综合得分,等级,上期排名,得分增减" "CSV: the ranking"
assert_contains "$csv" "7,稽查局,0.0,D（差）,—,—" "CSV: a ranking row"
assert_contains "$csv" "文号,质监督查〔2017〕13号" "CSV: the document number"
assert_contains "$csv" "评分办法,综合得分＝按时响应率×20" "CSV: the scoring rules"
assert_not_contains "$csv" "n/a" "CSV: no n/a"
check_html() { # FILE CHARTS
  local f=$1 charts=$2 errors width
  xmllint --noout "$f" || fail "$f is not well-formed"
  # libxml2's HTML 4 parser does not know SVG's element names and says so;
  # anything else it reports is a fault of the page.
  errors=$(xmllint --html --noout "$f" 2>&1 | grep -a 'parser error' |
    grep -av -E 'Tag (svg|rect|line|polyline|circle|text|title) invalid' || true)
  assert_eq "" "$errors" "$f parses as HTML"
  # and a real browser opens it without errors, every chart drawn as SVG,
  # nothing wider than the window on a desktop and on a phone (390 px; a
  # table too wide scrolls in its own box)
  for width in 1280 390; do
    assert_eq "svg=$charts laid_out=$charts svg_ns=$charts overflow=0 errors=0" \
      "$(browser_check "$f" "$width")" "$f opens in a browser $width px wide"
  done
}
# (the browser check itself sees a broken page: a missing image, a script
# error, a box wider than a phone)
printf '%s' '<!DOCTYPE html><html><head><meta charset="utf-8"/><script>console.error("坏");</script></head><body><img src="missing.png"/><svg width="10" height="10"></svg><div style="width:800px">宽</div></body></html>' > "$H_DIR/broken.html"
out=$(browser_check "$H_DIR/broken.html" 390)
assert_contains "$out" "svg=1 laid_out=1 svg_ns=1 overflow=418 errors=1 could not load file://" "the browser check sees a missing image and a page wider than a phone"
assert_contains "$out" 'missing.png console: "坏"' "the browser check sees a console error"
check_html "$OUT/2017-Q1.html" 2
html=$(cat "$OUT/2017-Q1.html")
assert_eq 2 "$(grep -c '<svg ' "$OUT/2017-Q1.html")" "two charts: divisions and trend"
assert_contains "$html" "各处室按时办结率与满意率" "bar chart of the divisions"
assert_contains "$html" "<polyline" "trend lines"
assert_contains "$html" 'lang="zh-CN"' "Chinese page"
assert_contains "$html" '<p class="issuer">某省质量技术监督局</p>' "HTML: the issuing body"
assert_contains "$html" '<p class="docno">质监督查〔2017〕13号</p>' "HTML: the document number"
assert_contains "$html" "二、综合得分与排名" "HTML: the ranking section"
assert_contains "$html" "八、督办事项" "HTML: the work-item section (none in this ledger)"
assert_contains "$html" "十、评分办法" "HTML: the scoring section"
assert_contains "$html" '<p class="cc">抄送：局领导，驻局纪检组。</p>' "HTML: copies"
assert_contains "$html" "@media print" "HTML: a print style sheet"
assert_contains "$html" "@page{size:A4" "HTML: printed on A4"
assert_not_contains "$html" "n/a" "HTML: no n/a"
assert_not_contains "$html" ">metrology<" "HTML: divisions by their Chinese names"
(( $(grep -o '<th>' "$OUT/2017-Q1.html" | wc -l) > 0 )) || fail "no tables"
widest=$(grep -o '<thead><tr>.*</tr></thead>' "$OUT/2017-Q1.html" | awk -F'<th>' '{ print NF - 1 }' | sort -n | tail -1)
(( widest <= 8 )) || fail "an HTML table has $widest columns"
# The divisions in the configured order: 办公室 first, 驻局纪检组 last.
first_table=$(awk '/表3  各处室受理与响应/,/<\/table>/' "$OUT/2017-Q1.html" | grep -o '<tr><td>[^<]*' | sed 's/<tr><td>//' | paste -sd,)
assert_eq "办公室（法规处）,监督处（产品质量监督）,稽查局,纤检局,计量处,标准化处,特种设备安全监察处,认证认可监督管理处,行政审批处（行政服务大厅）,财务处,人事处,机关党委,机关纪委,驻局纪检组" \
  "$first_table" "divisions in the org file's order, by their Chinese names, the inspection office apart"
# --- The PDF: printed by headless Chromium through the print style sheet.
out=$(harness_ctl bulletin pdf 2017-Q1 2>&1)
assert_contains "$out" "bulletin 2017-Q1 printed to $OUT/2017-Q1.pdf" "PDF printed"
info=$(pdfinfo "$OUT/2017-Q1.pdf")
assert_contains "$info" "Title:           关于2017年第一季度督办工作情况的通报" "the PDF opens, with its title"
assert_contains "$info" "(A4)" "on A4"
pages=$(awk '/^Pages:/ { print $2 }' <<< "$info")
(( pages >= 2 )) || fail "the PDF has $pages page(s)"
text=$(pdftotext "$OUT/2017-Q1.pdf" -)
assert_contains "$text" "质监督查〔2017〕13号" "the PDF holds the document number"
assert_contains "$text" "抄送：局领导，驻局纪检组。" "and the copies"
rm -f "$OUT/2017-Q1.pdf" # (the files compared below are the record's renderings)

# --- The March month-check: figures, census, the look-back sample.
out=$(harness_ctl bulletin month 2017-03 2>&1)
assert_contains "$out" "bulletin 2017-03 published" "month-check published"
assert_contains "$out" "4 re-check task(s)" "four re-check tasks"
# March (lead): received 15, response 17/17, on time 13/15, overdue 2
# (16.0 days), replies 14 (3.8 days), returns D, E, E = 3, arbitration 1
# (groundless 1), C's reopen, C's extension (03-01), callbacks C
# unsatisfied, D and E satisfied (66.7); alerts in March: the warning, the
# completion breach, the escalation; violations in March: G's and C's
# second task's completion deadlines, E's groundless return and C's reopen
# (4: 函询说明 from 3).
assert_eq "15|17|17|100.0|15|13|86.7|2|16.0|14|3.8|3|1|1|1|1|3|2|0|1|66.7|1|1|1|0|4|inquiry" \
  "$(figures 2017-03 totals)" "March totals"
check_html "$OUT/2017-03.html" 1 # no trend within one month
# The sample: ceil(10%) of each division's cases closed in March: D
# (certification, 1 of 1), E (finance, 1 of 1), K01-K11 (office-legal, 2 of
# 11): the two K cases whose SHA-256("2017-03\n" case number) is smallest.
key() { printf '2017-03\n%s' "$1" | sha256sum | cut -c1-16; }
kdraw=$(for r in K01 K02 K03 K04 K05 K06 K07 K08 K09 K10 K11; do n=$(num TZ2017-$r); echo "$(key "$n") $n"; done | sort | head -2 | cut -d' ' -f2 | sort | paste -sd,)
sample() {
  psql_q "SELECT string_agg(concat_ws(':', s->>'division', s->>'closed', s->>'drawn', (SELECT string_agg(c, ',' ORDER BY c) FROM jsonb_array_elements_text(s->'cases') c)), ' ' ORDER BY i)
          FROM bulletins b, jsonb_array_elements(b.record::jsonb #> '{sample,divisions}') WITH ORDINALITY x(s, i) WHERE b.label = '2017-03'"
}
want="office-legal:11:2:$kdraw certification:1:1:$(num TZ2017-D) finance:1:1:$(num TZ2017-E)" # in the configured order
assert_eq "$want" "$(sample)" "the look-back sample"
assert_eq 4 "$(psql_q "SELECT count(*) FROM bulletin_rechecks WHERE period = '2017-03' AND state = 'pending'")" "re-check tasks for the inspection office"

# A failed re-check reopens the case to its division; a passed one is recorded.
first=${kdraw%%,*}
rid=$(psql_q "SELECT r.id FROM bulletin_rechecks r JOIN cases c ON c.id = r.case_id WHERE c.case_number = '$first'")
out=$(harness_ctl bulletin recheck "$rid" --fail --note '回访发现问题未解决' --as h-metrology 2>&1 || true)
assert_contains "$out" "only the inspection office decides re-checks" "a handler cannot decide"
out=$(harness_ctl bulletin recheck "$rid" --fail --note '回访发现问题未解决' --as insp001 2>&1)
assert_contains "$out" "failed: case reopened to office-legal" "failed re-check reopens"
assert_eq "dispatched|1" "$(psql_q "SELECT state, reopened FROM cases WHERE case_number = '$first'")" "case open again"
assert_eq "office-legal:lead:replied,office-legal:lead:dispatched" \
  "$(psql_q "SELECT string_agg(t.division || ':' || t.role || ':' || t.state, ',' ORDER BY t.id) FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.case_number = '$first'")" "a new task for the division"
assert_eq "rechecked,reopened,dispatched" \
  "$(psql_q "SELECT string_agg(type, ',' ORDER BY id) FROM (SELECT e.id, e.type FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = '$first' ORDER BY e.id DESC LIMIT 3) x")" "the timeline records it"
rid2=$(psql_q "SELECT r.id FROM bulletin_rechecks r JOIN cases c ON c.id = r.case_id WHERE c.case_number = '$(num TZ2017-D)'")
assert_contains "$(harness_ctl bulletin recheck "$rid2" --pass --note '整改到位' --as insp001 2>&1)" "passed" "passed re-check"
assert_contains "$(harness_ctl bulletin recheck "$rid2" --fail --note again --as insp001 2>&1 || true)" "already decided" "decided once"
assert_eq "failed|passed" "$(psql_q "SELECT string_agg(state, '|' ORDER BY state) FROM bulletin_rechecks WHERE state <> 'pending'")" "decisions recorded"
# The reopen happened now, not in March: March's record is reproduced byte
# for byte, with the same sample.
mdigest=$(psql_q "SELECT digest FROM bulletins WHERE label = '2017-03'")
out=$(harness_ctl bulletin month 2017-03 2>&1)
assert_contains "$out" "bulletin 2017-03 unchanged: digest $mdigest" "month-check again: same record"
assert_eq "$want" "$(sample)" "the same sample"
assert_eq 4 "$(psql_q "SELECT count(*) FROM bulletin_rechecks")" "no new re-check tasks"

# --- Half-year and year: the same engine over 6 and 12 months, with the
#     month-by-month trend; their first months equal the quarter's.
harness_ctl bulletin half 2017-H1 > /dev/null
harness_ctl bulletin year 2017 > /dev/null
assert_eq 6 "$(rec 2017-H1 trend | grep -o '"month"' | wc -l)" "six months"
assert_eq 12 "$(rec 2017 trend | grep -o '"month"' | wc -l)" "twelve months"
assert_eq "$(trend 2017-Q1)" "$(trend 2017-H1 | head -3)" "the half-year's first quarter"
assert_eq "2016-H2|2016" "$(rec 2017-H1 previous,period)|$(rec 2017 previous,period)" "compared with the period before"
check_html "$OUT/2017-H1.html" 2
check_html "$OUT/2017.html" 2
assert_contains "$(cat "$OUT/2017.md")" "## 九、逐月趋势" "year-end review has the trend (after 八、督办事项)"
# A period that has not ended is refused; a malformed one too.
assert_contains "$(harness_ctl bulletin year 2999 2>&1 || true)" "has not ended yet" "future period refused"
assert_contains "$(harness_ctl bulletin quarter 2017-03 2>&1 || true)" "quarter needs a period such as 2017-Q2" "kind and label must agree"

# --- Privacy: no requester's name or phone in any record or file.
while IFS='|' read -r name phone; do
  for f in "$OUT"/*; do
    if grep -qF -e "$name" -e "$phone" "$f"; then fail "requester data in $f"; fi
  done
  assert_eq 0 "$(psql_q "SELECT count(*) FROM bulletins WHERE record::text LIKE '%$name%' OR record::text LIKE '%$phone%'")" "no requester data in records"
done < <(psql_q "SELECT requester_name, requester_phone FROM cases WHERE requester_name IS NOT NULL")
echo "PASS bulletin_quarter"
