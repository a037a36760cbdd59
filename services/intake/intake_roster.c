#include "intake_roster.h"

#include "log.h"

#include <stdlib.h>
#include <string.h>

static const char *s_counts_sql =
    "SELECT first_responder, count(*) FROM cases WHERE closed_at IS NULL GROUP BY 1";

struct intake_roster {
    const org_t *org;
    pg_t *pg;
    long *open; /* per on-duty member, in roster order */
};

int intake_roster_prepare(pg_t *pg)
{
    return pg_prepare(pg, "intake_roster_counts", s_counts_sql);
}

static void s_counts_read(pg_txn_t *txn, bool ok, void *arg)
{
    intake_roster_t *self = arg;
    if (!ok) {
        log_warn("could not read first responders' open cases", "err=%s", pg_txn_error(txn));
        return;
    }
    PGresult *res = pg_txn_result(txn, 0);
    for (int i = 0; i < self->org->non_duty; i++) {
        self->open[i] = 0;
        for (int r = 0; r < PQntuples(res); r++)
            if (strcmp(PQgetvalue(res, r, 0), self->org->on_duty[i]) == 0)
                self->open[i] = strtol(PQgetvalue(res, r, 1), NULL, 10);
    }
}

void intake_roster_reload(intake_roster_t *self)
{
    pg_txn_t *txn = pg_txn_new();
    if (!txn || pg_txn_add(txn, true, "intake_roster_counts", 0, NULL) < 0) {
        pg_txn_destroy(&txn);
        return;
    }
    pg_txn_submit(self->pg, &txn, s_counts_read, self);
}

intake_roster_t *intake_roster_new(const org_t *org, pg_t *pg)
{
    intake_roster_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->org = org;
    self->pg = pg;
    self->open = calloc((size_t)org->non_duty + 1, sizeof(long));
    if (!self->open) {
        free(self);
        return NULL;
    }
    return self;
}

void intake_roster_destroy(intake_roster_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->open);
    free(*self_p);
    *self_p = NULL;
}

const char *intake_roster_next(intake_roster_t *self)
{
    int best = -1;
    for (int i = 0; i < self->org->non_duty; i++)
        if (best < 0 || self->open[i] < self->open[best])
            best = i;
    if (best < 0)
        return NULL;
    self->open[best]++;
    return self->org->on_duty[best];
}
