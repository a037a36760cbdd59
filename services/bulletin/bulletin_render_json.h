/* The bulletin record: the figures of a period as JSON, byte for byte the
 * same for the same data (keys in a fixed order, numbers with one decimal,
 * lists sorted, no generation time inside), and its SHA-256 digest. The
 * record is what PostgreSQL keeps and what the other renderers read. */
#ifndef DUBAN_BULLETIN_RENDER_JSON_H
#define DUBAN_BULLETIN_RENDER_JSON_H

#include "bulletin_config.h"
#include "bulletin_figures.h"
#include "org.h"
#include "sla.h"

#include <jansson.h>

/* What a bulletin is computed with (all borrowed). The org file gives the
 * order divisions are listed in (may be NULL: by code). */
typedef struct {
    const bulletin_config_t *config;
    const sla_t *sla;
    const calendar_t *calendar;
    const org_t *org;
} bulletin_ctx_t;

typedef struct {
    bulletin_period_t period;
    int64_t from_us, to_us;  /* the period's bounds */
    char *json;              /* the record (ends in a newline) */
    char digest[65];         /* hex SHA-256 of json */
    json_t *root;            /* the record as a tree, for the renderers */
    char **sample_cases;     /* month-checks: the cases drawn for re-check */
    char **sample_divisions; /* their divisions */
    int nsample;
    /* Frozen months (bulletin_months.h): those this read took from the
     * store, and those it read from the rows that may now be stored
     * (BULLETIN_MONTHS_FREEZE_SQL with freeze_epoch and freeze; NULL when
     * none). Outside the record. */
    int months_stored, months_read;
    int days_stored; /* stored days added (bulletin_days.h) */
    char *freeze;
    int nfreeze;
    char freeze_epoch[24];
} bulletin_report_t;

/* Builds the record of d. Returns NULL when out of memory (logged). */
bulletin_report_t *bulletin_render_json(const bulletin_ctx_t *ctx, const bulletin_data_t *d);

void bulletin_report_destroy(bulletin_report_t **self_p);

/* Hex SHA-256 of len bytes into out (65 bytes). */
void bulletin_digest(const char *data, size_t len, char *out);

#endif
