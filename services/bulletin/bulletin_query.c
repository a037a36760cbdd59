/* The read statements of a bulletin; see bulletin_query.h and the figure
 * definitions in deploy/bulletin/README.md. Every statement is a range scan
 * on the index of the instant that defines its figure (005_bulletin.sql);
 * width_bucket over the month starts ($1) tags each row with its month, so
 * one pass yields the period, the period before and the month-by-month
 * trend; months already frozen (bulletin_months.h) are read as stored
 * instead, and so are the stored days of the first month read from the
 * rows (bulletin_days.h). Deadlines are read from the tasks' clock
 * histories (task_clocks, 016_task_clocks.sql) as they stood, never from
 * the task rows as they are now. Cases on the watch list (flagged) are left
 * out everywhere. */
#include "bulletin_query.h"

#include "deadline.h"
#include "pg_time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define B "$1::timestamptz[]"
#define MONTH(col) "width_bucket(" col ", " B ") - 1"

/* The rows read. Composing (the default), only those of the span from the
 * first to the last month of $1 not frozen (bulletin_months, 026): a frozen
 * month's figures are read with BQ_FROZEN instead, and rows of a frozen
 * month inside that span are skipped by the fold (bulletin_figures.c).
 * From the rows ($2 true), those of every month. */
#define NOT_FROZEN(start)                                                                          \
    "($2::boolean OR NOT EXISTS (SELECT 1 FROM bulletin_months z WHERE z.month_start = " start   \
    "))"
#define UNFROZEN_BOUND(agg, value)                                                                 \
    "(SELECT " agg "(" value ") FROM unnest(" B ") WITH ORDINALITY u(b, i)"                        \
    " WHERE u.i < cardinality(" B ") AND " NOT_FROZEN("u.b") ")"
#define FIRST_UNFROZEN UNFROZEN_BOUND("min", "u.b")
#define FROM_TO(col)                                                                               \
    " " col " >= " FIRST_UNFROZEN " AND " col " < " UNFROZEN_BOUND("max", "(" B ")[u.i + 1]")
/* Where the stored days of the month starting at "month" end (079), NULL
 * when it has none or every month is read from the rows: the days before
 * are added as stored (BQ_DAYS), the rows read from there. */
#define DAYS_END(month)                                                                            \
    "(SELECT max(d.day_end) FROM bulletin_days d WHERE NOT $2::boolean AND d.month_start = "      \
    month ")"
/* FROM_TO without the stored days of the first month read from the rows. */
#define FROM_TO_AFTER_DAYS(col)                                                                    \
    " " col " >= coalesce(" DAYS_END(FIRST_UNFROZEN) ", " FIRST_UNFROZEN ") AND " col             \
    " < " UNFROZEN_BOUND("max", "(" B ")[u.i + 1]")
/* Cases counted in no figure (flagged on the watch list, a benchmark's, and
 * work items, which have their own figures: 032) are few: an anti-join on
 * their partial index, never a join with every case (which the planner may
 * turn into a scan of all cases). */
#define NOT_COUNTED_CASE(f) "(" f ".flagged OR " f ".source IN ('benchmark', 'workitem'))"
#define NOT_FLAGGED(case_id)                                                                       \
    " NOT EXISTS (SELECT 1 FROM cases f WHERE f.id = " case_id " AND " NOT_COUNTED_CASE("f") ")"
/* The task a row names, looked up by its key: OFFSET 0 keeps the planner
 * from turning the lookup into a join that reads every task. */
#define TASK_OF(task_id)                                                                           \
    " LEFT JOIN LATERAL (SELECT k.division, k.role FROM tasks k WHERE k.id = " task_id             \
    " OFFSET 0) t ON true"
#define CASE_NUMBER(case_id) "(SELECT n.case_number FROM cases n WHERE n.id = " case_id ")"

/* The lead division whose reply the case's requester was answered with at
 * the instant "at": the latest lead task replied by then. */
#define REPLYING_DIVISION(case_id, at)                                                             \
    "(SELECT l.division FROM tasks l WHERE l.case_id = " case_id " AND l.role = 'lead'"            \
    " AND l.replied_at IS NOT NULL AND l.replied_at <= " at                                        \
    " ORDER BY l.replied_at DESC, l.id DESC LIMIT 1)"

/* Work items (030): the work_items row of a case, by its key. */
#define IS_WORKITEM(case_id) " EXISTS (SELECT 1 FROM work_items w WHERE w.case_id = " case_id ")"
/* The work item's lead division at the instant "at": that of its latest
 * lead task dispatched by then (a reassignment moves it), else of its first
 * (an item whose phase has not opened yet). */
#define LEAD_DIVISION_AT(case_id, at)                                                              \
    "coalesce((SELECT l.division FROM tasks l WHERE l.case_id = " case_id " AND l.role = 'lead'"   \
    " AND l.dispatched_at <= " at " ORDER BY l.dispatched_at DESC, l.id DESC LIMIT 1),"            \
    " (SELECT l.division FROM tasks l WHERE l.case_id = " case_id " AND l.role = 'lead'"           \
    " ORDER BY l.dispatched_at, l.id LIMIT 1))"
/* The area of a hot topic: the place named up to its city, else its
 * district; "" when it names neither. */
#define PLACE_AREA(place)                                                                          \
    "coalesce(substring(" place " from '^(?:.{1,8}?省)?(.{1,8}?(?:市|州|盟|地区))'),"              \
    " substring(" place " from '^(?:.{1,8}?省)?(.{1,8}?(?:区|县|旗))'), '')"
#define CATEGORY_NAME(name) "coalesce(" name ", '未分类')"
/* A state of a clock with a verdict (common/deadline.h). */
#define VERDICT(k) "(" DEADLINE_SQL_MISSED(k) " OR " DEADLINE_SQL_MET(k) ")"

/* SQL reads best laid out as SQL, not as clang-format would. */
/* clang-format off */
static const char *s_sql[BQ_COUNT] = {
    [BQ_BEGIN] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",

    /* The planner's cost of a month over ten million tasks crosses the JIT
     * threshold; compiling takes longer than the index scans it would
     * speed. Parallel workers speed the reading of months from the rows,
     * but when every month read is frozen each statement would start them
     * (some 50 ms) to find nothing. A month's events are sorted for
     * grouping in memory, not on disk (the default 4 MB spilled at 150,000
     * a month). */
    [BQ_SETUP] =
        "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true),"
        " CASE WHEN NOT EXISTS (SELECT 1 FROM unnest(" B ") WITH ORDINALITY u(b, i)"
        "  WHERE u.i < cardinality(" B ") AND " NOT_FROZEN("u.b") ")"
        " THEN set_config('max_parallel_workers_per_gather', '0', true) END",

    [BQ_DIVISIONS] = "SELECT code, name FROM divisions ORDER BY code COLLATE \"C\"",

    /* The frozen months among those read (none from the rows), with the
     * thaw epoch and the snapshot's time, which decide what may be frozen
     * after this read (bulletin_months.h). */
    [BQ_FROZEN] =
        "SELECT x.epoch, " PG_TIME_US("now()") ", f.i - 1, f.figures"
        " FROM bulletin_month_epoch x LEFT JOIN LATERAL ("
        "  SELECT u.i, z.figures FROM unnest(" B ") WITH ORDINALITY u(b, i)"
        "  JOIN bulletin_months z ON z.month_start = u.b AND z.month_end = (" B ")[u.i + 1]"
        "  WHERE NOT $2::boolean) f ON true",

    /* received: dispatched in the month and not returned by the month's end
     * (a returned task counts as the returning division's return and as the
     * new task's division's receipt). */
    [BQ_RECEIVED] =
        "SELECT m, division, role, count(*) FROM ("
        " SELECT " MONTH("t.dispatched_at") " AS m, t.division, t.role, t.returned_at"
        " FROM tasks t WHERE" FROM_TO_AFTER_DAYS("t.dispatched_at") " AND" NOT_FLAGGED("t.case_id") ") x"
        " WHERE returned_at IS NULL OR returned_at >= (" B ")[m + 2]"
        " GROUP BY 1, 2, 3",

    /* Deadlines by the month they fall in, each clock of a task once: met
     * (the state that met it ended at or before it) or missed (it passed
     * while its state was in force), never a state after a missed one
     * (common/deadline.h). A state still standing (waiting for material)
     * has no deadline and no verdict. */
    [BQ_VERDICTS] =
        "SELECT " MONTH("k.due") ", k.division, k.role, k.clock,"
        " count(*) FILTER (WHERE " DEADLINE_SQL_MISSED("k") " OR " DEADLINE_SQL_MET("k") "),"
        " count(*) FILTER (WHERE " DEADLINE_SQL_MET("k") ")"
        " FROM task_clocks k WHERE" FROM_TO_AFTER_DAYS("k.due") " AND NOT k.missed_before"
        " AND" NOT_FLAGGED("k.case_id") " GROUP BY 1, 2, 3, 4",

    /* replies in the month, with dispatch and reply instants: the working
     * days between them are counted on the business calendar in C. */
    [BQ_REPLIES] =
        "SELECT " MONTH("t.replied_at") ", t.division, t.role, " PG_TIME_US("t.dispatched_at") ","
        " " PG_TIME_US("t.replied_at")
        " FROM tasks t WHERE" FROM_TO_AFTER_DAYS("t.replied_at") " AND" NOT_FLAGGED("t.case_id"),

    /* Counted events, each for the division it concerns: a return and an
     * extension for the task's division; a reopen for the division the case
     * went back to; an arbitration for the division it named, and a
     * groundless return for each division it found had returned the case
     * without grounds; a callback for the division whose reply it judged. */
    [BQ_EVENTS] =
        "SELECT m, kind, coalesce(division, ''), role, count(*) FROM ("
        " SELECT " MONTH("e.at") " AS m,"
        "  CASE WHEN e.type = 'callback'"
        "   THEN 'callback_' || coalesce(e.detail->>'satisfaction', '')"
        "   ELSE e.type END AS kind,"
        "  CASE WHEN e.type IN ('returned', 'extension_granted') THEN t.division"
        "   WHEN e.type IN ('reopened', 'arbitrated') THEN coalesce(e.detail->>'division',"
        "    " REPLYING_DIVISION("e.case_id", "e.at") ")"
        "   ELSE " REPLYING_DIVISION("e.case_id", "e.at") " END AS division,"
        "  CASE WHEN e.type IN ('returned', 'extension_granted') THEN t.role ELSE 'lead' END"
        "   AS role"
        " FROM case_events e" TASK_OF("e.task_id")
        " WHERE" FROM_TO_AFTER_DAYS("e.at") " AND" NOT_FLAGGED("e.case_id")
        "  AND e.type IN ('returned', 'arbitrated', 'reopened', 'extension_granted', 'callback')"
        " UNION ALL"
        " SELECT " MONTH("e.at") ", 'groundless_return', g.division, 'lead'"
        " FROM case_events e,"
        "  jsonb_array_elements_text(CASE WHEN jsonb_typeof(e.detail->'groundless_returns')"
        "   = 'array' THEN e.detail->'groundless_returns' ELSE '[]'::jsonb END) g(division)"
        " WHERE" FROM_TO_AFTER_DAYS("e.at") " AND e.type = 'arbitrated' AND" NOT_FLAGGED("e.case_id") ") x"
        " GROUP BY 1, 2, 3, 4",

    /* Alerts raised in the month: warnings as level 0, breach and
     * escalations by level. */
    [BQ_ALERTS] =
        "SELECT " MONTH("a.raised_at") ", a.division, coalesce(t.role, 'lead'),"
        " CASE WHEN a.kind = 'warning' THEN 0 ELSE greatest(a.level, 1) END, count(*)"
        " FROM alerts a" TASK_OF("a.task_id")
        " WHERE" FROM_TO_AFTER_DAYS("a.raised_at") " AND" NOT_FLAGGED("a.case_id")
        " GROUP BY 1, 2, 3, 4",

    /* Census at each month's end: the completion states in force then
     * whose deadline had passed (the ended ones by the GiST index on their
     * span, those still in force by their deadline: DEADLINE_SQL_OVERDUE_AT). A task
     * waiting for material then has a standing state, with no deadline: it is
     * not overdue, whenever the material came. */
    [BQ_CENSUS] =
        "SELECT e.i - 1, " CASE_NUMBER("k.case_id") ", k.division, k.role, "
        PG_TIME_US("k.due")
        " FROM unnest((" B ")[2:]) WITH ORDINALITY AS e(at, i)"
        " JOIN task_clocks k ON k.clock = 'completion' AND " DEADLINE_SQL_OVERDUE_AT("k", "e.at")
        " WHERE " NOT_FROZEN("(" B ")[e.i]") " AND" NOT_FLAGGED("k.case_id"),

    /* Cases closed in the period (month-checks), by the division whose
     * reply closed them; the latest close of a case counts. Work items
     * closed (销号) are drawn too, apart: the division whose completion
     * report was accepted. Each case is read once, by its key, for its
     * number and for whether it is counted: an anti-join like NOT_FLAGGED's would read the row of
     * every case not counted (their index does not tell a work item from
     * a flagged case), some 10,000 random reads over ten million cases.
     * The period's stored days give their closures as stored (BQ_DAYS);
     * the month of a closure tells a day read its day, and a day read keeps
     * each day's latest closure of a case (the fold keeps the latest of
     * all: bulletin_closures.h), so that a day stored alone is as exact as
     * a day stored with others. */
    [BQ_CLOSED] =
        "SELECT DISTINCT ON (1, 4) n.case_number,"
        " coalesce(" REPLYING_DIVISION("e.case_id", "e.at") ", '')," IS_WORKITEM("e.case_id") ","
        " " MONTH("e.at")
        " FROM case_events e CROSS JOIN LATERAL (SELECT k.case_number, k.flagged, k.source"
        "  FROM cases k WHERE k.id = e.case_id OFFSET 0) n"
        " WHERE e.type = 'closed'"
        "  AND e.at >= greatest($4::timestamptz, " DAYS_END("$4::timestamptz") ")"
        "  AND e.at < $3::timestamptz"
        "  AND NOT n.flagged AND n.source IS DISTINCT FROM 'benchmark'"
        "  AND $2::boolean IS NOT NULL AND cardinality(" B ") > 0"
        " ORDER BY 1, 4, e.at DESC",

    /* Hot topics: the month's received lead tasks by their case's category
     * and area (the place named up to its city, else its district). */
    [BQ_TOPICS] =
        "SELECT x.m, " CATEGORY_NAME("g.name") ", x.area, x.n FROM ("
        " SELECT m, category, area, sum(n)::bigint AS n FROM ("
        /* the area of each place once, not of each task: the regular
         * expressions cost more than reading the cases */
        "  SELECT m, category, n, " PLACE_AREA("place") " AS area"
        "  FROM (SELECT m, category, place, count(*) AS n FROM ("
        "   SELECT " MONTH("t.dispatched_at") " AS m, t.returned_at, c.category, c.place"
        "   FROM tasks t CROSS JOIN LATERAL (SELECT k.category, k.place FROM cases k"
        "    WHERE k.id = t.case_id OFFSET 0) c"
        "   WHERE" FROM_TO_AFTER_DAYS("t.dispatched_at") " AND t.role = 'lead' AND" NOT_FLAGGED("t.case_id")
        "  ) y WHERE returned_at IS NULL OR returned_at >= (" B ")[m + 2]"
        "  GROUP BY 1, 2, 3) p) a"
        " GROUP BY 1, 2, 3) x LEFT JOIN categories g ON g.code = x.category",

    /* Work items' figures (deploy/bulletin/README.md, "Work items"), each
     * for the division it concerns:
     * - due / ontime: each item once in the month its lead completion
     *   deadline fell in (the verdicts of its lead tasks' completion
     *   clocks, as for complaints), for the division of its latest lead
     *   task with a verdict; on time when no verdict was missed and no
     *   verification sent the last completion report back by that month's
     *   end;
     * - report_due / report_missed: progress reports by their due's month
     *   (the verdicts of the report tasks' clocks), for the division owing;
     * - sent_back: verifications that sent a completion report back, for
     *   the division whose report it was;
     * - lookback_failed: failed look-back re-checks (reopened by a
     *   re-check), for the division it reopened to;
     * - eval_<rating>: public evaluations not flagged, for the item's lead
     *   division then. */
    [BQ_WORKITEMS] =
        "SELECT m, coalesce(division, ''), kind, count(*) FROM ("
        " SELECT x.m, x.division, unnest(CASE WHEN x.all_met AND NOT EXISTS ("
        "   SELECT 1 FROM work_item_verifications v WHERE v.case_id = x.case_id AND NOT v.accepted"
        "   AND v.at >= x.last_met AND v.at < (" B ")[x.m + 2])"
        "  THEN ARRAY['due', 'ontime'] ELSE ARRAY['due'] END) AS kind"
        " FROM (SELECT " MONTH("k.due") " AS m, k.case_id,"
        "  (array_agg(k.division ORDER BY k.task_id DESC, k.seq DESC))[1] AS division,"
        "  bool_and(" DEADLINE_SQL_MET("k") ") AS all_met, max(k.until) AS last_met"
        "  FROM task_clocks k WHERE" FROM_TO("k.due") " AND NOT k.missed_before"
        "  AND k.clock = 'completion' AND k.role = 'lead' AND " VERDICT("k")
        "  AND" IS_WORKITEM("k.case_id") " GROUP BY 1, 2) x"
        " UNION ALL"
        " SELECT " MONTH("k.due") ", k.division, unnest(CASE WHEN " DEADLINE_SQL_MISSED("k")
        "  THEN ARRAY['report_due', 'report_missed'] ELSE ARRAY['report_due'] END)"
        " FROM task_clocks k WHERE" FROM_TO("k.due") " AND NOT k.missed_before"
        "  AND k.clock = 'completion' AND k.role = 'report' AND " VERDICT("k")
        " UNION ALL"
        " SELECT " MONTH("v.at") ", " REPLYING_DIVISION("v.case_id", "v.at") ", 'sent_back'"
        " FROM work_item_verifications v WHERE" FROM_TO("v.at") " AND NOT v.accepted"
        " UNION ALL"
        " SELECT " MONTH("e.at") ", e.detail->>'division', 'lookback_failed'"
        " FROM case_events e WHERE" FROM_TO("e.at") " AND e.type = 'reopened'"
        "  AND e.detail ? 'recheck' AND" IS_WORKITEM("e.case_id")
        " UNION ALL"
        " SELECT " MONTH("a.at") ", " LEAD_DIVISION_AT("a.case_id", "a.at") ", 'eval_' || a.rating"
        " FROM work_item_evaluations a WHERE" FROM_TO("a.at") " AND NOT a.flagged"
        ") y GROUP BY 1, 2, 3",

    /* The stored days (079) of the first month read from the rows, whose
     * figures are added to it, and, for a month-check, of its month, whose
     * closures are drawn from: month, whether its figures count, figures,
     * closures (NULL when not drawn). */
    [BQ_DAYS] =
        "SELECT " MONTH("d.day_start") ", d.month_start = " FIRST_UNFROZEN ", d.figures,"
        " CASE WHEN d.month_start = $4::timestamptz THEN d.closed END"
        " FROM bulletin_days d WHERE NOT $2::boolean AND d.day_start < $3::timestamptz"
        "  AND (d.month_start = " FIRST_UNFROZEN " OR d.month_start = $4::timestamptz)"
        " ORDER BY d.day_start",

    /* What the month's end decides of its stored days: a task dispatched on
     * a stored day and returned after that day's end but before the month's
     * counted as received (and as a hot topic, if lead) for its day, not for
     * the month (BQ_RECEIVED). The returned tasks are few (079's index).
     * Month, division, role, category, area, count. */
    [BQ_UNRECEIVED] =
        "SELECT " MONTH("t.dispatched_at") ", t.division, t.role, " CATEGORY_NAME("g.name") ","
        " " PLACE_AREA("c.place") ", count(*)"
        " FROM tasks t CROSS JOIN LATERAL (SELECT d.day_end FROM bulletin_days d"
        "  WHERE d.month_start = " FIRST_UNFROZEN " AND d.day_start <= t.dispatched_at"
        "  ORDER BY d.day_start DESC LIMIT 1) d"
        " CROSS JOIN LATERAL (SELECT k.category, k.place FROM cases k WHERE k.id = t.case_id"
        "  OFFSET 0) c LEFT JOIN categories g ON g.code = c.category"
        " WHERE NOT $2::boolean AND t.returned_at IS NOT NULL"
        "  AND t.dispatched_at >= " FIRST_UNFROZEN
        "  AND t.dispatched_at < " DAYS_END(FIRST_UNFROZEN)
        "  AND t.returned_at >= d.day_end"
        "  AND t.returned_at < (" B ")[width_bucket(t.dispatched_at, " B ") + 1]"
        "  AND" NOT_FLAGGED("t.case_id")
        " GROUP BY 1, 2, 3, 4, 5",

    [BQ_COMMIT] = "COMMIT",
};
/* clang-format on */

static const int s_nparams[BQ_COUNT] = {
    [BQ_SETUP] = 2,   [BQ_FROZEN] = 2, [BQ_RECEIVED] = 2,  [BQ_VERDICTS] = 2,
    [BQ_REPLIES] = 2, [BQ_EVENTS] = 2, [BQ_ALERTS] = 2,    [BQ_CENSUS] = 2,
    [BQ_CLOSED] = 4,  [BQ_TOPICS] = 2, [BQ_WORKITEMS] = 2, [BQ_DAYS] = 4,
    [BQ_UNRECEIVED] = 2,
};

static void s_instant_day(char *buf, size_t len, int year, int month, int day, int64_t offset_us)
{
    int64_t minutes = (offset_us < 0 ? -offset_us : offset_us) / 60000000;
    /* the bounds keep the output within a 40-byte buffer */
    snprintf(buf, len, "%04d-%02d-%02dT00:00:00%c%02d:%02d", year % 10000, month % 100, day % 100,
             offset_us < 0 ? '-' : '+', (int)(minutes / 60 % 100), (int)(minutes % 60));
}

static void s_instant(char *buf, size_t len, int year, int month, int64_t offset_us)
{
    s_instant_day(buf, len, year, month, 1, offset_us);
}

/* The local midnight at_us (a local midnight) as text, in the zone offset_us. */
static void s_local_midnight(char *buf, size_t len, int64_t at_us, int64_t offset_us)
{
    time_t local = (time_t)((at_us + offset_us) / 1000000);
    struct tm tm;
    gmtime_r(&local, &tm);
    s_instant_day(buf, len, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, offset_us);
}

void bulletin_query_init(bulletin_query_t *q, const bulletin_period_t *p, int64_t offset_us)
{
    memset(q, 0, sizeof(*q));
    q->period = *p;
    bulletin_period_previous(p, &q->previous);
    q->nmonths = q->previous.months + p->months;
    q->first_current = q->previous.months;
    size_t used = 0;
    q->params[0][used++] = '{';
    for (int i = 0; i <= q->nmonths; i++) {
        int year, month;
        char one[40];
        bulletin_period_month(&q->previous, i, &year, &month);
        q->bounds[i] = bulletin_month_start_us(year, month, offset_us);
        s_instant(one, sizeof(one), year, month, offset_us);
        used += (size_t)snprintf(q->params[0] + used, sizeof(q->params[0]) - used, "%s%s",
                                 i ? "," : "", one);
        if (i == q->first_current)
            snprintf(q->params[3], sizeof(q->params[3]), "%s", one);
        if (i == q->nmonths)
            snprintf(q->params[2], sizeof(q->params[2]), "%s", one);
    }
    snprintf(q->params[0] + used, sizeof(q->params[0]) - used, "}");
    bulletin_query_from_rows(q, false);
}

void bulletin_query_init_days(bulletin_query_t *q, const bulletin_period_t *month,
                              int64_t first_us, int ndays, int64_t offset_us)
{
    memset(q, 0, sizeof(*q));
    q->period = *month;
    q->previous = *month;
    q->days = true;
    if (ndays > BULLETIN_QUERY_MAX_BUCKETS)
        ndays = BULLETIN_QUERY_MAX_BUCKETS;
    q->nmonths = ndays;
    size_t used = 0;
    q->params[0][used++] = '{';
    for (int i = 0; i <= ndays; i++) {
        char one[40];
        q->bounds[i] = first_us + (int64_t)i * BULLETIN_DAY_US;
        s_local_midnight(one, sizeof(one), q->bounds[i], offset_us);
        used += (size_t)snprintf(q->params[0] + used, sizeof(q->params[0]) - used, "%s%s",
                                 i ? "," : "", one);
        if (i == 0)
            snprintf(q->params[3], sizeof(q->params[3]), "%s", one);
        if (i == ndays)
            snprintf(q->params[2], sizeof(q->params[2]), "%s", one);
    }
    snprintf(q->params[0] + used, sizeof(q->params[0]) - used, "}");
    bulletin_query_from_rows(q, true);
}

void bulletin_query_from_rows(bulletin_query_t *q, bool from_rows)
{
    q->from_rows = from_rows;
    snprintf(q->params[1], sizeof(q->params[1]), "%s", from_rows ? "true" : "false");
}

const char *bulletin_query_sql(const bulletin_query_t *q, int i, int *nparams)
{
    if (i < 0 || i >= BQ_COUNT) {
        *nparams = 0;
        return NULL;
    }
    if (i == BQ_CLOSED && q->period.kind != BULLETIN_MONTH) {
        *nparams = 0;
        return "SELECT NULL::text, NULL::text, NULL::boolean, NULL::integer LIMIT 0";
    }
    /* A day read stores its days' flows; the census and work items'
     * figures are the month's (079). */
    if (q->days && i == BQ_CENSUS) {
        *nparams = 0;
        return "SELECT NULL::integer, NULL::text, NULL::text, NULL::text, NULL::bigint LIMIT 0";
    }
    if (q->days && i == BQ_WORKITEMS) {
        *nparams = 0;
        return "SELECT NULL::integer, NULL::text, NULL::text, NULL::bigint LIMIT 0";
    }
    if (i == BQ_DAYS && q->period.kind != BULLETIN_MONTH) {
        *nparams = 2; /* no closures to draw from */
        return "SELECT " MONTH("d.day_start") ", true, d.figures, NULL::json"
               " FROM bulletin_days d WHERE NOT $2::boolean AND d.month_start = " FIRST_UNFROZEN
               " ORDER BY d.day_start";
    }
    *nparams = s_nparams[i];
    return s_sql[i];
}

const char *bulletin_query_name(int i)
{
    static const char *names[BQ_COUNT] = {
        [BQ_BEGIN] = "begin",         [BQ_SETUP] = "setup",       [BQ_DIVISIONS] = "divisions",
        [BQ_FROZEN] = "frozen",       [BQ_RECEIVED] = "received", [BQ_VERDICTS] = "verdicts",
        [BQ_REPLIES] = "replies",     [BQ_EVENTS] = "events",     [BQ_ALERTS] = "alerts",
        [BQ_CENSUS] = "census",       [BQ_CLOSED] = "closed",     [BQ_TOPICS] = "topics",
        [BQ_WORKITEMS] = "workitems", [BQ_DAYS] = "days",         [BQ_UNRECEIVED] = "unreceived",
        [BQ_COMMIT] = "commit",
    };
    return i >= 0 && i < BQ_COUNT ? names[i] : "?";
}
