/* Look-back re-checks (回头看): the inspection office's decision on a case a
 * month-check drew. A pass is recorded; a fail is recorded and reopens the
 * case to the division (a new lead task with deadlines from the SLA policy
 * as of now, announced to the division's console through the outbox), in
 * one transaction, guarded so a decision is taken once. A work item drawn
 * (its look-back, 回头看) reopened is no longer verified: its lead division
 * reports completion again and the inspection office verifies again. */
#ifndef DUBAN_BULLETIN_RECHECK_H
#define DUBAN_BULLETIN_RECHECK_H

#include "bulletin_engine.h"

#include <libpq-fe.h>
#include <stdbool.h>

typedef enum {
    BULLETIN_RECHECK_PASSED = 0,
    BULLETIN_RECHECK_REOPENED,    /* failed: the case went back to the division */
    BULLETIN_RECHECK_FAILED_OPEN, /* failed: the case was open again already; recorded only */
    BULLETIN_RECHECK_NOT_FOUND,
    BULLETIN_RECHECK_DECIDED, /* decided before */
    BULLETIN_RECHECK_ERROR,
} bulletin_recheck_result_t;

typedef struct {
    bulletin_recheck_result_t result;
    char case_number[40];
    char division[64];
    char period[32];
    char state[16];  /* the re-check's state before (for DECIDED) */
    int64_t task_id; /* the new task when reopened */
} bulletin_recheck_info_t;

/* Decides re-check id as staff by (an inspector or administrator; the
 * caller checks the role). Returns 0 with info->result set (anything but
 * ERROR), or -1 (ERROR, reason logged). */
int bulletin_recheck_decide(PGconn *conn, const bulletin_engine_t *engine, int64_t id, bool pass,
                            const char *note, const char *by, bulletin_recheck_info_t *info);

#endif
