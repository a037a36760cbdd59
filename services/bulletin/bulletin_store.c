/* The publishing statement; see bulletin_store.h. The final SELECT reads
 * the table with the statement's snapshot, i.e. as it was before the insert:
 * when the insert lost to another instance it returns that instance's
 * digest, so the caller can tell "same figures" from "figures changed". */
#include "bulletin_store.h"

#include "duban.pb-c.h"
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $9 case numbers and $10 divisions of the sample; $11 the BulletinPublished
 * body; $12 the revision replaced (0 for an insert). */
#define RECHECKS_AND_OUTBOX                                                                        \
    " r AS (INSERT INTO bulletin_rechecks (bulletin_id, period, case_id, division)"                \
    "  SELECT b.id, $2, c.id, s.division FROM b, unnest($9::text[], $10::text[])"                  \
    "   AS s(case_number, division) JOIN cases c ON c.case_number = s.case_number"                 \
    "  ON CONFLICT (period, case_id) DO NOTHING RETURNING id),"                                    \
    " o AS (" OUTBOX_INSERT("'bulletin'", "'bulletin'", "'bulletin.' || $1 || '|'",                \
                            OUTBOX_MSG(BULLETIN_PUBLISHED), "NULL", "NULL", "NULL", "$11::bytea",  \
                            OUTBOX_UNCLAIMED) " FROM b)"                                           \
    " SELECT (SELECT id FROM b), (SELECT count(*) FROM r),"                                        \
    "  coalesce((SELECT digest FROM bulletins WHERE kind = $1 AND label = $2), ''),"               \
    "  coalesce((SELECT revision FROM b),"                                                         \
    "   (SELECT revision FROM bulletins WHERE kind = $1 AND label = $2), 0)"

static const char *s_insert_sql =
    "WITH b AS (INSERT INTO bulletins (kind, label, period_from, period_to, record, digest,"
    "  trigger, generated_by) SELECT $1, $2, " PG_TIME_TS(3) ", " PG_TIME_TS(4) ","
    "  $5::json, $6, $7, $8 WHERE $12::int = 0"
    "  ON CONFLICT (kind, label) DO NOTHING RETURNING id, revision)," RECHECKS_AND_OUTBOX;

static const char *s_replace_sql =
    "WITH b AS (UPDATE bulletins SET record = $5::json, digest = $6, trigger = $7,"
    "  generated_by = $8, revision = revision + 1, revised_at = now()"
    "  WHERE kind = $1 AND label = $2 AND revision = $12::int AND digest <> $6"
    "  AND $3::bigint IS NOT NULL AND $4::bigint IS NOT NULL RETURNING id, revision)," RECHECKS_AND_OUTBOX;

struct bulletin_store {
    bool replace;
    pg_param_t params[BULLETIN_STORE_PARAMS];
    char from[24], to[24], revision[16];
    char *cases, *divisions;
    uint8_t *body;
};

/* A text[] literal of n strings, each quoted. */
static char *s_array(char *const *items, int n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fputc('{', f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ",\"" : "\"", f);
        for (const char *p = items[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', f);
            fputc(*p, f);
        }
        fputc('"', f);
    }
    fputc('}', f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

bulletin_store_t *bulletin_store_new(const bulletin_report_t *r, const char *trigger,
                                     const char *by, int replace_revision)
{
    bulletin_store_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->replace = replace_revision > 0;
    snprintf(s->from, sizeof(s->from), "%lld", (long long)r->from_us);
    snprintf(s->to, sizeof(s->to), "%lld", (long long)r->to_us);
    snprintf(s->revision, sizeof(s->revision), "%d", replace_revision > 0 ? replace_revision : 0);
    s->cases = s_array(r->sample_cases, r->nsample);
    s->divisions = s_array(r->sample_divisions, r->nsample);
    char title[96];
    bulletin_period_title(&r->period, title, sizeof(title));
    Duban__BulletinPublished msg = DUBAN__BULLETIN_PUBLISHED__INIT;
    msg.period = (char *)r->period.label;
    msg.kind = (char *)bulletin_kind_str(r->period.kind);
    msg.digest = (char *)r->digest;
    msg.title = title;
    msg.revision = replace_revision > 0 ? replace_revision + 1 : 1;
    size_t len = duban__bulletin_published__get_packed_size(&msg);
    s->body = malloc(len ? len : 1);
    if (!s->cases || !s->divisions || !s->body) {
        bulletin_store_destroy(&s);
        return NULL;
    }
    duban__bulletin_published__pack(&msg, s->body);
    pg_param_t *p = s->params;
    p[0] = PG_TEXT(bulletin_kind_str(r->period.kind));
    p[1] = PG_TEXT(r->period.label);
    p[2] = PG_TEXT(s->from);
    p[3] = PG_TEXT(s->to);
    p[4] = PG_TEXT(r->json);
    p[5] = PG_TEXT(r->digest);
    p[6] = PG_TEXT(trigger);
    p[7] = PG_TEXT(by);
    p[8] = PG_TEXT(s->cases);
    p[9] = PG_TEXT(s->divisions);
    p[10] = PG_BINARY(s->body, len);
    p[11] = PG_TEXT(s->revision);
    return s;
}

void bulletin_store_destroy(bulletin_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bulletin_store_t *s = *self_p;
    free(s->cases);
    free(s->divisions);
    free(s->body);
    free(s);
    *self_p = NULL;
}

const char *bulletin_store_sql(const bulletin_store_t *self)
{
    return self->replace ? s_replace_sql : s_insert_sql;
}

const pg_param_t *bulletin_store_params(const bulletin_store_t *self, int *n)
{
    *n = BULLETIN_STORE_PARAMS;
    return self->params;
}

int bulletin_store_result(PGresult *res, bulletin_stored_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
        PQnfields(res) != 4)
        return -1;
    out->stored = !PQgetisnull(res, 0, 0);
    out->id = out->stored ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    out->rechecks = atoi(PQgetvalue(res, 0, 1));
    snprintf(out->digest, sizeof(out->digest), "%s", PQgetvalue(res, 0, 2));
    out->revision = atoi(PQgetvalue(res, 0, 3));
    return 0;
}
