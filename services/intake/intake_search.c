/* Search over cases; see intake_search.h. Statements are built from fixed
 * pieces for the number of terms (values are always parameters) and planned
 * with the real values, so PostgreSQL's statistics of the bigram index see
 * the actual words. */
#include "intake_search.h"

#include "clock.h"
#include "http.h"
#include "intake_case_list.h"
#include "intake_problem.h"
#include "log.h"
#include "phone.h"
#include "text.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#define STR_(x) #x
#define STR(x) STR_(x)

typedef enum { MATCH_NUMBER, MATCH_PHONE, MATCH_TEXT } match_t;

static const char *const s_match_names[] = {"number", "phone", "text"};

typedef struct {
    intake_t *in;
    http_held_t *held;
    auth_identity_t who;
    bool all;           /* who sees every case (else only the division's) */
    match_t match;
    long page, limit;
    int64_t now_us;
    char q[INTAKE_SEARCH_MAX_Q + 1];
    char from[11], to[11]; /* YYYY-MM-DD in the bureau's zone, "" for none */
} search_t;

/* The division a handler's search is limited to ($2), "" for all. */
#define SCOPE "($2 = '' OR EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.division = $2))"
#define KEYS "search_bigrams(case_search_text($1, NULL, NULL, NULL, NULL))"
#define NEWEST " ORDER BY c.created_at DESC, c.id DESC LIMIT $3 OFFSET $4"

/* $1 the whole text: how many bigrams it has (none: nothing to look up). */
static const char *s_keys_sql = "SELECT cardinality(" KEYS ")";

/* $1 case number, $2 division, $3 limit, $4 offset. */
static const char *s_number_sql =
    "SELECT count(*) OVER (), " CASE_LIST_COLUMNS " FROM cases c" CASE_LIST_LEAD
    " WHERE c.case_number = $1 AND " SCOPE NEWEST;

/* The first and the last day of a search ($N, $M: dates or NULL) as the
 * times that bound it, received at or after FROM and before UNTIL. */
#define FROM(n) "($" #n "::date::timestamp AT TIME ZONE 'Asia/Shanghai')"
#define UNTIL(n) "(($" #n "::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')"

/* The answer of case_search_newest or case_phone_newest (r: the matches,
 * then a row with how far back it searched when the bound cut it short and
 * how many cases it read) as the page's rows: the counts (total, examined,
 * cut) then the case columns; the page is cut from r before anything else
 * is read, ordered newest first by received time then id. One row always
 * comes back, with the counts (no case: its case columns NULL). $3 limit,
 * $4 offset. */
#define PAGE_OF_R                                                                                  \
    " meta AS (SELECT count(id) AS total, max(examined) AS examined,"                            \
    "  max(created_at) FILTER (WHERE id IS NULL) AS cut FROM r),"                                \
    " page AS (SELECT id, created_at FROM r WHERE id IS NOT NULL"                                \
    "  ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4)"                                    \
    " SELECT meta.total, meta.examined, " CASE_LIST_CUT_TEXT("meta.cut")                        \
    ", p.* FROM meta LEFT JOIN (SELECT "                                                          \
    CASE_LIST_COLUMNS ", m.created_at AS o_at, m.id AS o_id FROM page m"                          \
    "  JOIN cases c ON c.id = m.id" CASE_LIST_LEAD ") p ON true"                                 \
    " ORDER BY p.o_at DESC, p.o_id DESC"
#define META_FIRST 3 /* the case columns after total, examined, cut */

/* $1 the phone's digits, $2 division, $3 limit, $4 offset, $5 cases to read
 * at most, $6 $7 the first and last day: every case of the phone, or when
 * it has more than $5 the newest of each category (case_phone_newest,
 * migration 064), so a phone that called thousands of times costs what one
 * that called $5 times does. */
static const char *s_phone_sql =
    "WITH r AS MATERIALIZED (SELECT id, created_at, examined FROM case_phone_newest($1, $2,"
    "  $5::int, " FROM(6) ", " UNTIL(7) "))," PAGE_OF_R;

/* The text search: r holds the newest matches, as many as the page needs
 * and at least INTAKE_SEARCH_EXACT + 1 (whether there are more than that
 * many is the exact total or not), from the bigram index a few days at a
 * time, reading at most $5 cases (case_search_newest, migrations 060 and
 * 061: its work is about the matches it returns, however common the word,
 * and never more than $5), then the page (PAGE_OF_R). $1 all the terms, $2
 * division, $3 limit, $4 offset, $5 cases to read at most, $6 $7 the first
 * and last day, $8.. each term. */
static void s_text_sql(char *sql, size_t len, int nterms)
{
    char terms[512] = "";
    for (int i = 0; i < nterms; i++) {
        size_t n = strlen(terms);
        snprintf(terms + n, sizeof(terms) - n, "%s$%d::text", i ? ", " : "", 8 + i);
    }
    snprintf(sql, len,
             "WITH r AS MATERIALIZED (SELECT id, created_at, examined FROM case_search_newest(" KEYS ","
             "  ARRAY[%s], $2, greatest($3::bigint + $4::bigint, " STR(INTAKE_SEARCH_EXACT)
             " + 1)::int, $5::int, " FROM(6) ", " UNTIL(7) "))," PAGE_OF_R,
             terms);
}

static void s_done(pg_txn_t *txn, bool ok, void *arg)
{
    search_t *s = arg;
    struct evhttp_request *req = http_held_request(s->held);
    if (!req)
        goto out_free;
    if (!ok) {
        intake_problem_reply(req, intake_problem_of_txn(txn, INTAKE_PROBLEM_READ, "search cases"));
        goto out_free;
    }
    PGresult *rows = pg_txn_result(txn, pg_txn_count(txn) - 1);
    if (s->match == MATCH_TEXT && strcmp(PQgetvalue(pg_txn_result(txn, 0), 0, 0), "0") == 0) {
        http_reply_problem(req, 400, "invalid field",
                           "search for a word of at least two characters (letters, digits or "
                           "Chinese characters)",
                           "q");
        goto out_free;
    }
    bool text = s->match == MATCH_TEXT;
    /* A text's and a phone's rows start with the counts (PAGE_OF_R). */
    bool counted = text || s->match == MATCH_PHONE;
    int first = counted ? META_FIRST : 1;
    int n = PQntuples(rows);
    if (counted && n == 1 && PQgetisnull(rows, 0, first))
        n = 0; /* the counts' row alone: no case */
    /* One row more than the page was asked for: whether a next page exists. */
    bool more = n > s->limit;
    if (more)
        n = (int)s->limit;
    long long total = n > 0 || counted ? strtoll(PQgetvalue(rows, 0, 0), NULL, 10) : 0;
    /* Cut short by the cases it may read: the matches back to this time. */
    const char *cut = counted && !PQgetisnull(rows, 0, 2) ? PQgetvalue(rows, 0, 2) : NULL;
    bool past_last = n == 0 && s->page > 1;
    bool exact = !cut && (!text || total <= INTAKE_SEARCH_EXACT || past_last);
    json_t *cases = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(cases, intake_case_list_json(s->in, rows, i, first, &s->who,
                                                           !s->all, s->now_us));
    json_t *body = json_pack("{s:s, s:s, s:i, s:i, s:b, s:b, s:b, s:o}", "q", s->q, "match",
                             s_match_names[s->match], "page", (int)s->page, "limit",
                             (int)s->limit, "total_exact", exact, "more", more, "complete", !cut,
                             "cases", cases);
    if (s->from[0])
        json_object_set_new(body, "from", json_string(s->from));
    if (s->to[0])
        json_object_set_new(body, "to", json_string(s->to));
    if (counted)
        json_object_set_new(body, "examined",
                            json_integer(strtoll(PQgetvalue(rows, 0, 1), NULL, 10)));
    if (cut) {
        /* Every match received since cut is in the answer (or its pages),
         * none before it was looked for. */
        json_object_set_new(body, "searched_since", json_string(cut));
        json_object_set_new(body, "notice",
                            json_string(INTAKE_SEARCH_NARROW));
    }
    if (past_last) {
        /* Past the last page: how many there are is not known from here. */
        json_object_set_new(body, "total", json_null());
        json_object_set_new(body, "pages", json_null());
    } else if (exact) {
        long pages = total > 0 ? (long)((total + s->limit - 1) / s->limit) : 1;
        json_object_set_new(body, "total", json_integer(total));
        json_object_set_new(body, "pages", json_integer(pages < INTAKE_SEARCH_MAX_PAGE
                                                            ? pages
                                                            : INTAKE_SEARCH_MAX_PAGE));
    } else {
        json_object_set_new(body, "total",
                            json_integer(total < INTAKE_SEARCH_EXACT ? total : INTAKE_SEARCH_EXACT));
        json_object_set_new(body, "pages", json_null());
    }
    log_debug("case search", "match=%s page=%ld results=%d complete=%s examined=%s staff=%s",
              s_match_names[s->match], s->page, n, cut ? "false" : "true",
              counted ? PQgetvalue(rows, 0, 1) : "-", s->who.staff);
    http_reply_json(req, 200, body);
out_free:
    http_release(&s->held);
    free(s);
}

static bool s_case_number(const char *q)
{
    size_t n = strlen(q);
    return n >= 10 && n <= 40 && (q[0] == 'D' || q[0] == 'd') && (q[1] == 'B' || q[1] == 'b') &&
           strspn(q + 2, "0123456789") == n - 2;
}

/* Bytes of the blank at p: ASCII space or tab, or the ideographic space
 * U+3000 that Chinese input methods type; 0 for anything else. */
static size_t s_blank(const char *p)
{
    if (*p == ' ' || *p == '\t')
        return 1;
    return strncmp(p, "\xe3\x80\x80", 3) == 0 ? 3 : 0;
}

/* Splits q in place into blank-separated terms. Returns how many, at most
 * max (the rest are left out). */
static int s_split(char *q, char **terms, int max)
{
    int n = 0;
    char *p = q;
    while (*p && n < max) {
        size_t b;
        while ((b = s_blank(p)))
            p += b;
        if (!*p)
            break;
        terms[n++] = p;
        while (*p && !s_blank(p))
            p++;
        b = s_blank(p);
        if (b) {
            *p = '\0';
            p += b;
        }
    }
    return n;
}

/* A day as YYYY-MM-DD that exists, 1990-2100, into out (11 bytes); an
 * absent or empty one is "". False when it is not such a day. */
static bool s_day(const char *text, char *out)
{
    out[0] = '\0';
    if (!text || !text[0])
        return true;
    int y, m, d, end = 0;
    if (strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &end) != 3 || end != 10 ||
        text[4] != '-' || text[7] != '-' || strspn(text, "0123456789-") != 10 || y < 1990 ||
        y > 2100 || m < 1 || m > 12 || d < 1)
        return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return false;
    memcpy(out, text, 11);
    return true;
}

/* Reads q, page, limit, from and to; false (reply sent) when one is wrong. */
static bool s_parse(struct evhttp_request *req, const char *query, search_t *s)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (query && query[0] && evhttp_parse_query_str(query, &args) != 0) {
        http_reply_problem(req, 400, "invalid query", "the query string is malformed", NULL);
        return false;
    }
    const char *bad = NULL, *why = NULL;
    const char *q = evhttp_find_header(&args, "q");
    size_t at = 0;
    uint32_t cp = 0;
    while (q && *q == ' ')
        q++;
    if (!q || !q[0]) {
        bad = "q", why = "q is the text to search for";
    } else if (strlen(q) > INTAKE_SEARCH_MAX_Q) {
        bad = "q", why = "q is longer than " STR(INTAKE_SEARCH_MAX_Q) " bytes";
    } else if (text_check(q, false, &at, &cp) != TEXT_OK) {
        bad = "q", why = "q is not valid UTF-8 or holds a control character";
    } else {
        snprintf(s->q, sizeof(s->q), "%s", q);
        size_t end = strlen(s->q);
        while (end > 0 && s->q[end - 1] == ' ')
            s->q[--end] = '\0';
    }
    if (!bad && intake_case_list_paging(&args, 20, &s->page, &s->limit, &bad, &why) &&
        s->page > INTAKE_SEARCH_MAX_PAGE) {
        bad = "page", why = "page is a number from 1 to " STR(INTAKE_SEARCH_MAX_PAGE);
    }
    static const char *const days_why =
        "from and to are days received (the bureau's zone) written YYYY-MM-DD, from 1990 to "
        "2100, from not after to";
    if (!bad && !s_day(evhttp_find_header(&args, "from"), s->from))
        bad = "from", why = days_why;
    if (!bad && !s_day(evhttp_find_header(&args, "to"), s->to))
        bad = "to", why = days_why;
    if (!bad && s->from[0] && s->to[0] && strcmp(s->from, s->to) > 0)
        bad = "from", why = days_why;
    evhttp_clear_headers(&args);
    if (bad)
        http_reply_problem(req, 400, "invalid field", why, bad);
    return !bad;
}

void intake_search_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                        const char *key, const char *query)
{
    (void)key;
    search_t *s = calloc(1, sizeof(*s));
    if (!s) {
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    if (!s_parse(req, query, s)) {
        free(s);
        return;
    }
    s->all = auth_may_see_all_cases(who);
    if (!s->all && strcmp(who->role, "handler") != 0) {
        free(s);
        http_reply_problem(req, 403, "forbidden", "your role does not search cases", NULL);
        return;
    }
    pg_t *pg = intake_reader(in);
    pg_txn_t *txn = pg_txn_new();
    if (!pg_is_up(pg)) {
        pg_txn_destroy(&txn);
        free(s);
        intake_reply_unavailable(req);
        return;
    }
    if (!txn || !(s->held = http_hold(req))) {
        pg_txn_destroy(&txn);
        free(s);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        return;
    }
    s->in = in;
    s->who = *who;
    s->now_us = clock_now_us();
    char limit[24], offset[24], digits[48], number[48], budget[24];
    snprintf(limit, sizeof(limit), "%ld", s->limit + 1);
    snprintf(offset, sizeof(offset), "%ld", (s->page - 1) * s->limit);
    snprintf(budget, sizeof(budget), "%ld", in->search_max_rows);
    const char *division = s->all ? "" : who->division;
    const char *from = s->from[0] ? s->from : NULL, *to = s->to[0] ? s->to : NULL;
    bool added;
    if (s_case_number(s->q)) {
        s->match = MATCH_NUMBER;
        snprintf(number, sizeof(number), "DB%s", s->q + 2);
        pg_param_t p[4] = {PG_TEXT(number), PG_TEXT(division), PG_TEXT(limit), PG_TEXT(offset)};
        added = pg_txn_add(txn, false, s_number_sql, 4, p) >= 0;
    } else if (phone_looks_like(s->q) && phone_digits(s->q, digits, sizeof(digits)) > 0) {
        s->match = MATCH_PHONE;
        pg_param_t p[7] = {PG_TEXT(digits), PG_TEXT(division), PG_TEXT(limit), PG_TEXT(offset),
                           PG_TEXT(budget), PG_TEXT(from),     PG_TEXT(to)};
        added = pg_txn_add(txn, false, s_phone_sql, 7, p) >= 0;
    } else {
        s->match = MATCH_TEXT;
        char copy[sizeof(s->q)], *terms[INTAKE_SEARCH_MAX_TERMS], sql[8192];
        snprintf(copy, sizeof(copy), "%s", s->q);
        int nterms = s_split(copy, terms, INTAKE_SEARCH_MAX_TERMS);
        pg_param_t p[7 + INTAKE_SEARCH_MAX_TERMS] = {
            PG_TEXT(s->q),   PG_TEXT(division), PG_TEXT(limit), PG_TEXT(offset),
            PG_TEXT(budget), PG_TEXT(from),     PG_TEXT(to)};
        for (int i = 0; i < nterms; i++)
            p[7 + i] = PG_TEXT(terms[i]);
        s_text_sql(sql, sizeof(sql), nterms);
        added = pg_txn_add(txn, false, s_keys_sql, 1, p) >= 0 &&
                pg_txn_add(txn, false, sql, 7 + nterms, p) >= 0;
    }
    if (!added) {
        pg_txn_destroy(&txn);
        http_reply_problem(req, 500, "internal error", "out of memory", NULL);
        http_release(&s->held);
        free(s);
        return;
    }
    pg_txn_submit(pg, &txn, s_done, s);
}
