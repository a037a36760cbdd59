/* Producing a bulletin on a plain (blocking) libpq connection: read in one
 * REPEATABLE READ snapshot, compute the record, publish it exactly once,
 * write its files. Used by dubanctl (on demand) and the bench; the service
 * does the same steps on its event loop (bulletin_schedule.c). */
#ifndef DUBAN_BULLETIN_RUN_H
#define DUBAN_BULLETIN_RUN_H

#include "bulletin_engine.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    BULLETIN_RUN_PUBLISHED = 0, /* first record of the period: stored, files written */
    BULLETIN_RUN_UNCHANGED,     /* already published with the same digest: files written */
    BULLETIN_RUN_DIFFERS,       /* already published with another digest: left as published */
    BULLETIN_RUN_REPLACED,      /* re-published as a new revision (replace asked) */
    BULLETIN_RUN_FAILED,
} bulletin_run_result_t;

typedef struct {
    bulletin_run_result_t result;
    char digest[65];        /* of the record computed now */
    char stored_digest[65]; /* of the record that was published before ("" if none) */
    int revision;
    int rechecks;                   /* re-check tasks created */
    int months_stored, months_read; /* months taken from the store; read from the rows */
    int months_frozen;              /* months this run stored */
    int days_stored;                /* stored days added to the month read first */
    int64_t read_us, compute_us, store_us, files_us; /* durations */
    int64_t statement_us[BQ_COUNT];                  /* of each read statement */
    char files[4096];                                /* the folder written, or "" */
} bulletin_run_info_t;

typedef struct {
    const char *trigger; /* "demand" or "schedule" */
    const char *by;      /* who asked (tool or staff code) */
    bool replace;        /* publish a new revision when the figures changed */
    bool no_files;       /* compute and store only */
    bool from_rows;      /* read every month from the rows, none from the store */
} bulletin_run_opts_t;

/* Runs period p on conn. Returns 0 with *info filled (result PUBLISHED,
 * UNCHANGED, DIFFERS or REPLACED), or -1 with the reason logged (result
 * FAILED). */
int bulletin_run(PGconn *conn, const bulletin_engine_t *engine, const bulletin_period_t *p,
                 const bulletin_run_opts_t *opts, bulletin_run_info_t *info);

/* Stores the days of month (bulletin_days.h) that have ended for good by
 * now_us and are not stored yet: reads them from the rows after the
 * month's stored days. Returns 0 with *read the days read and *stored
 * those stored (0 and 0 when every final day is stored), or -1 with the
 * reason logged. */
int bulletin_days_run(PGconn *conn, const bulletin_engine_t *engine, const bulletin_period_t *month,
                      int64_t now_us, int *read, int *stored);

/* "published", "unchanged", "differs", "replaced", "failed". */
const char *bulletin_run_result_str(bulletin_run_result_t result);

#endif
