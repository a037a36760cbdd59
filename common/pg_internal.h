/* What pg.c (the connection) and pg_txn.c (building transactions) share:
 * a transaction's statements and results. Not for use outside pg. */
#ifndef DUBAN_PG_INTERNAL_H
#define DUBAN_PG_INTERNAL_H

#include "pg.h"

typedef enum {
    PG_STMT_SQL,      /* SQL text with parameters */
    PG_STMT_PREPARED, /* a prepared statement's name with parameters */
    PG_STMT_PREPARE,  /* prepares statement stmt as sql (connection set-up) */
} pg_stmt_kind_t;

typedef struct {
    pg_stmt_kind_t kind;
    char *stmt;
    char *sql; /* PG_STMT_PREPARE only */
    int nparams;
    char **values;
    int *lengths;
    int *formats;
} pg_stmt_t;

struct pg_txn {
    pg_stmt_t *stmts;
    int nstmts;
    int cap;
    PGresult **results;
    int nresults;
    bool failed;
    bool connection_lost;
    char error[512];
    pg_txn_cb cb;
    void *arg;
    pg_txn_t *next;
};

/* Appends "prepare name as sql". Returns its index, or -1. */
int pg_txn_add_prepare(pg_txn_t *txn, const char *name, const char *sql);

#endif
