/* Publishing a bulletin: one statement that stores the record, the
 * month-check's re-check tasks and the BulletinPublished outbox row
 * together, so all or none commit. The unique (kind, label) of bulletins
 * makes it exactly-once: of several instances (or dubanctl) that computed
 * the same period, one inserts and the others learn the stored digest. The
 * outbox row is sent over ZeroMQ (bulletin.pub) by the bulletin service's
 * relay after the commit: at-least-once, never before the record exists. */
#ifndef DUBAN_BULLETIN_STORE_H
#define DUBAN_BULLETIN_STORE_H

#include "bulletin_render_json.h"
#include "pg.h"

#include <stdbool.h>

#define BULLETIN_STORE_PARAMS 12

typedef struct bulletin_store bulletin_store_t;

/* The statement for report: an insert (replace_revision 0), or, for an
 * explicit re-publication of a period whose stored record has revision
 * replace_revision and another digest, an update to revision + 1. trigger
 * is "schedule" or "demand"; by names the instance or tool. NULL when out of
 * memory. */
bulletin_store_t *bulletin_store_new(const bulletin_report_t *report, const char *trigger,
                                     const char *by, int replace_revision);

void bulletin_store_destroy(bulletin_store_t **self_p);

/* The SQL and its parameters (valid while self lives). */
const char *bulletin_store_sql(const bulletin_store_t *self);
const pg_param_t *bulletin_store_params(const bulletin_store_t *self, int *n);

/* What the statement's one row said. */
typedef struct {
    bool stored;     /* this statement inserted (or replaced) the record */
    int64_t id;      /* its id when stored */
    int rechecks;    /* re-check tasks created */
    char digest[65]; /* the digest stored before this statement ("" if none) */
    int revision;    /* revision stored before, or the new one when stored */
} bulletin_stored_t;

/* Reads the statement's result; -1 when it is not the expected row. */
int bulletin_store_result(PGresult *res, bulletin_stored_t *out);

/* Reads the stored record of a period: SQL with $1 kind, $2 label giving
 * record::text, digest, revision. */
#define BULLETIN_STORE_READ_SQL                                                                    \
    "SELECT record::text, digest, revision FROM bulletins WHERE kind = $1 AND label = $2"

#endif
