/* The division tables of the bulletin record: the figures every row carries,
 * the lead table with scores, grades, ranks and the change, and co-handling;
 * see bulletin_render_json_internal.h. */
#include "bulletin_render_json_internal.h"

#include <stdlib.h>
#include <string.h>

static bool s_ranked(const build_t *b, int division)
{
    return !bulletin_document_unranked(&b->ctx->config->doc, b->d->divisions[division].code);
}

static json_t *s_rate(int64_t met, int64_t due, const char *due_key)
{
    return json_pack("{s:I, s:I, s:o}", due_key, (json_int_t)due, "met", (json_int_t)met, "rate",
                     bulletin_x10_json(bulletin_rate_x10(met, due)));
}

/* The figures every row of a table carries (a division's, or a total). */
json_t *bulletin_render_json_figures(const build_t *b, const bulletin_counts_t *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "received", json_integer(c->received));
    json_object_set_new(o, "response", s_rate(c->response_met, c->response_due, "due"));
    json_object_set_new(o, "ontime", s_rate(c->ontime_met, c->ontime_due, "due"));
    json_object_set_new(o, "overdue_open", json_integer(c->overdue_open));
    json_object_set_new(o, "overdue_days",
                        bulletin_x10_json(bulletin_duration_x10(c->overdue_us, b->d->day_us)));
    json_object_set_new(o, "replies", json_integer(c->replies));
    json_object_set_new(
        o, "avg_handling_days",
        bulletin_x10_json(bulletin_days_x10(c->handling_us, c->replies, b->d->day_us)));
    json_object_set_new(o, "returns", json_integer(c->returns));
    json_object_set_new(o, "arbitrated", json_integer(c->arbitrated));
    json_object_set_new(o, "groundless_returns", json_integer(c->groundless));
    json_object_set_new(o, "reopened", json_integer(c->reopened));
    json_object_set_new(o, "extensions", json_integer(c->extensions));
    json_object_set_new(o, "satisfaction",
                        json_pack("{s:I, s:I, s:I, s:I, s:o}", "callbacks",
                                  (json_int_t)(c->satisfied + c->basically + c->unsatisfied),
                                  "satisfied", (json_int_t)c->satisfied, "basically",
                                  (json_int_t)c->basically, "unsatisfied",
                                  (json_int_t)c->unsatisfied, "rate",
                                  bulletin_x10_json(bulletin_satisfaction_x10(c))));
    json_t *alerts = json_object();
    json_object_set_new(alerts, "warning", json_integer(c->alerts[0]));
    int levels = sla_level_count(b->ctx->sla);
    if (levels >= BULLETIN_LEVELS)
        levels = BULLETIN_LEVELS - 1;
    for (int level = 1; level <= levels; level++) {
        char key[24];
        snprintf(key, sizeof(key), "level_%d", level);
        json_object_set_new(alerts, key, json_integer(c->alerts[level]));
    }
    json_object_set_new(o, "alerts", alerts);
    json_object_set_new(o, "violations", json_integer(c->violations));
    const char *rung_name = NULL;
    const char *rung = sla_ladder_rung(b->ctx->sla, (int)c->violations, &rung_name);
    json_object_set_new(o, "rung", rung ? json_string(rung) : json_null());
    json_object_set_new(o, "rung_name", rung_name ? json_string(rung_name) : json_null());
    return o;
}

/* Competition ranking ("1, 2, 2, 4") by score, ties in code order. */
static void s_rank(const int *score, int n, int *rank)
{
    for (int i = 0; i < n; i++) {
        rank[i] = 0;
        if (score[i] == BULLETIN_NA)
            continue;
        rank[i] = 1;
        for (int j = 0; j < n; j++)
            if (score[j] != BULLETIN_NA && score[j] > score[i])
                rank[i]++;
    }
}

static json_t *s_delta(int now_x10, int before_x10)
{
    if (now_x10 == BULLETIN_NA || before_x10 == BULLETIN_NA)
        return json_string("n/a");
    return json_real((double)(now_x10 - before_x10) / 10.0);
}

static json_t *s_change(const build_t *b, const bulletin_counts_t *now,
                        const bulletin_counts_t *before, int score, int score_before,
                        int rank_before)
{
    const bulletin_grade_t *g = bulletin_grade_for(b->ctx->config, score_before);
    return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "previous", b->d->q.previous.label,
                     "received", (json_int_t)(now->received - before->received), "response_rate",
                     s_delta(bulletin_rate_x10(now->response_met, now->response_due),
                             bulletin_rate_x10(before->response_met, before->response_due)),
                     "ontime_rate",
                     s_delta(bulletin_rate_x10(now->ontime_met, now->ontime_due),
                             bulletin_rate_x10(before->ontime_met, before->ontime_due)),
                     "satisfaction_rate",
                     s_delta(bulletin_satisfaction_x10(now), bulletin_satisfaction_x10(before)),
                     "score", s_delta(score, score_before), "grade_before",
                     g ? json_string(g->grade) : json_null(), "rank_before",
                     rank_before ? json_integer(rank_before) : json_null());
}

/* The lead table with scores, grades, ranks and the change, in the
 * configured order; the ranking (by rank, ties in that order). Divisions
 * left out of the ranking (the inspection office) are listed apart. */
int bulletin_render_json_divisions(const build_t *b, json_t *root)
{
    const bulletin_data_t *d = b->d;
    int n = d->ndivisions;
    bulletin_counts_t *now = calloc((size_t)n + 1, sizeof(*now));
    bulletin_counts_t *before = calloc((size_t)n + 1, sizeof(*before));
    int *score = calloc((size_t)n + 1, sizeof(int)),
        *score_before = calloc((size_t)n + 1, sizeof(int));
    int *rank = calloc((size_t)n + 1, sizeof(int)),
        *rank_before = calloc((size_t)n + 1, sizeof(int));
    int rc = -1;
    if (!now || !before || !score || !score_before || !rank || !rank_before)
        goto out_free;
    for (int i = 0; i < n; i++) {
        bulletin_data_sum(d, BULLETIN_LEAD, i, b->from, b->to, &now[i]);
        bulletin_data_sum(d, BULLETIN_LEAD, i, b->prev_from, b->prev_to, &before[i]);
        bool ranked = s_ranked(b, i);
        score[i] = ranked ? bulletin_score_x10(b->ctx->config, &now[i]) : BULLETIN_NA;
        score_before[i] = ranked ? bulletin_score_x10(b->ctx->config, &before[i]) : BULLETIN_NA;
    }
    s_rank(score, n, rank);
    s_rank(score_before, n, rank_before);
    json_t *list = json_array(), *ranking = json_array(), *apart = json_array();
    for (int k = 0; k < n; k++) {
        int i = b->order[k];
        json_t *o =
            json_pack("{s:s, s:s}", "division", d->divisions[i].code, "name", d->divisions[i].name);
        json_t *f = bulletin_render_json_figures(b, &now[i]);
        json_object_update(o, f);
        json_decref(f);
        if (!s_ranked(b, i)) {
            json_array_append_new(apart, o);
            continue;
        }
        const bulletin_grade_t *g = bulletin_grade_for(b->ctx->config, score[i]);
        json_object_set_new(o, "score", bulletin_x10_json(score[i]));
        json_object_set_new(o, "grade", g ? json_string(g->grade) : json_string("n/a"));
        json_object_set_new(o, "grade_name", g ? json_string(g->name) : json_null());
        json_object_set_new(o, "rank", rank[i] ? json_integer(rank[i]) : json_null());
        json_object_set_new(
            o, "change",
            s_change(b, &now[i], &before[i], score[i], score_before[i], rank_before[i]));
        json_array_append_new(list, o);
    }
    for (int r = 1; r <= n; r++)
        for (int k = 0; k < n; k++) {
            int i = b->order[k];
            if (rank[i] != r)
                continue;
            const bulletin_grade_t *g = bulletin_grade_for(b->ctx->config, score[i]);
            json_array_append_new(
                ranking, json_pack("{s:i, s:s, s:s, s:o, s:s, s:s, s:o, s:o}", "rank", r,
                                   "division", d->divisions[i].code, "name", d->divisions[i].name,
                                   "score", bulletin_x10_json(score[i]), "grade", g->grade,
                                   "grade_name", g->name, "rank_before",
                                   rank_before[i] ? json_integer(rank_before[i]) : json_null(),
                                   "score_change", s_delta(score[i], score_before[i])));
        }
    json_object_set_new(root, "divisions", list);
    json_object_set_new(root, "ranking", ranking);
    json_object_set_new(root, "not_ranked", apart);
    rc = 0;
out_free:
    free(now);
    free(before);
    free(score);
    free(score_before);
    free(rank);
    free(rank_before);
    return rc;
}

static bool s_any(const bulletin_counts_t *c)
{
    bulletin_counts_t zero = {0};
    return memcmp(c, &zero, sizeof(zero)) != 0;
}

/* Co-handling, shown apart: the total and each division with any of it. */
json_t *bulletin_render_json_co(const build_t *b)
{
    bulletin_counts_t c;
    json_t *list = json_array();
    for (int k = 0; k < b->d->ndivisions; k++) {
        int i = b->order[k];
        bulletin_data_sum(b->d, BULLETIN_CO, i, b->from, b->to, &c);
        if (!s_any(&c))
            continue;
        json_t *o = json_pack("{s:s, s:s}", "division", b->d->divisions[i].code, "name",
                              b->d->divisions[i].name);
        json_t *f = bulletin_render_json_figures(b, &c);
        json_object_update(o, f);
        json_decref(f);
        json_array_append_new(list, o);
    }
    bulletin_data_sum(b->d, BULLETIN_CO, -1, b->from, b->to, &c);
    return json_pack("{s:o, s:o}", "totals", bulletin_render_json_figures(b, &c), "divisions",
                     list);
}
