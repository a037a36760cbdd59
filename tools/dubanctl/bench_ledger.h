/* The benchmark's ledger of its cases (dubanctl bench): when each was sent,
 * accepted (its durable 201) and delivered (its task reached the division
 * consoles), each case counted once however its messages come.
 *
 * A case's console message can reach the benchmark before its 201 does:
 * intake sends the case on to triage before it answers, and under load
 * triage and dispatch can commit and publish while the answer still waits in
 * intake's or the benchmark's loop. Such a message is kept (by case number)
 * and counted when the 201 names the case, at the time it arrived. A console
 * message that never comes (a PUB drop) is counted from the database, at its
 * task's commit, and counted apart so that the report says so. */
#ifndef DUBAN_BENCH_LEDGER_H
#define DUBAN_BENCH_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_CASE_NUMBER_MAX 32

typedef struct bench_ledger bench_ledger_t;

typedef struct {
    int accepted;    /* cases with a 201 */
    int delivered;   /* of them, counted as delivered (console or database) */
    int console;     /* delivered by a console message */
    int before_201;  /* of those, the message came before the case's 201 */
    int database;    /* delivered by the database: their console message was lost */
    int duplicates;  /* console messages about a case already counted */
    int strangers;   /* console messages about no case of this run (kept in vain) */
} bench_ledger_counts_t;

/* A ledger for total cases (indexes 0 .. total - 1); NULL when out of memory. */
bench_ledger_t *bench_ledger_new(int total);
void bench_ledger_destroy(bench_ledger_t **self_p);

/* Case idx was sent (open loop: was meant to be sent) at at_us. */
void bench_ledger_sent(bench_ledger_t *self, int idx, int64_t at_us);

/* Case idx was accepted at at_us as case_number. Counts it as delivered too
 * when its console message came first. Returns 0, or -1 (nothing counted)
 * when idx is out of range, already accepted, or case_number is empty, too
 * long or already another case's. */
int bench_ledger_accepted(bench_ledger_t *self, int idx, const char *case_number, int64_t at_us);

/* A console message about case_number arrived at at_us. Returns 1 when it
 * counted a case as delivered, 0 when it was kept for a 201 still to come
 * or was a duplicate (counted in duplicates). */
int bench_ledger_console(bench_ledger_t *self, const char *case_number, int64_t at_us);

/* The database shows case_number's task committed, and no console message
 * about it has come yet: returns when that was first seen (now_us the
 * first time), 0 when the case is counted already or is not an accepted case
 * of this run. The caller gives the message time to come before it counts
 * the case from the database. */
int64_t bench_ledger_suspect(bench_ledger_t *self, const char *case_number, int64_t now_us);

/* The database shows case_number's task committed at at_us although no
 * console message about it came: counts it as delivered, in database.
 * Returns 1 when it counted, 0 when the case was already counted or is not
 * an accepted case of this run. */
int bench_ledger_from_database(bench_ledger_t *self, const char *case_number, int64_t at_us);

/* The case numbers of accepted cases not yet delivered, at most max of them
 * (pointers into the ledger, valid until it changes); returns how many. */
int bench_ledger_missing(const bench_ledger_t *self, const char **numbers, int max);

void bench_ledger_counts(const bench_ledger_t *self, bench_ledger_counts_t *out);

/* Latencies in microseconds, one per case that has one: intake (sent to
 * accepted) and end to end (sent to delivered), in case order. out must
 * hold total values; returns how many were written. */
int bench_ledger_intake_us(const bench_ledger_t *self, int64_t *out);
int bench_ledger_e2e_us(const bench_ledger_t *self, int64_t *out);

/* The latest delivery time, 0 when none. */
int64_t bench_ledger_last_delivery_us(const bench_ledger_t *self);

#endif
