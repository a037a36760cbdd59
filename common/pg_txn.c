/* Building transactions for pg: statements with their parameters copied,
 * results kept until the transaction's callback returns. */
#include "pg_internal.h"

#include "org.h"

#include <stdlib.h>
#include <string.h>

pg_txn_t *pg_txn_new(void)
{
    return calloc(1, sizeof(pg_txn_t));
}

static void s_stmt_free(pg_stmt_t *s)
{
    for (int j = 0; s->values && j < s->nparams; j++)
        free(s->values[j]);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->stmt);
    free(s->sql);
}

void pg_txn_destroy(pg_txn_t **txn_p)
{
    if (!txn_p || !*txn_p)
        return;
    pg_txn_t *txn = *txn_p;
    for (int i = 0; i < txn->nstmts; i++)
        s_stmt_free(&txn->stmts[i]);
    free(txn->stmts);
    for (int i = 0; i < txn->nresults; i++)
        PQclear(txn->results[i]);
    free(txn->results);
    free(txn);
    *txn_p = NULL;
}

/* A zeroed statement at the end of txn (not yet counted), or NULL. */
static pg_stmt_t *s_next_stmt(pg_txn_t *txn)
{
    if (txn->nstmts == txn->cap) {
        int cap = txn->cap ? txn->cap * 2 : 8;
        pg_stmt_t *grown = realloc(txn->stmts, (size_t)cap * sizeof(*grown));
        if (!grown)
            return NULL;
        txn->stmts = grown;
        txn->cap = cap;
    }
    pg_stmt_t *s = &txn->stmts[txn->nstmts];
    memset(s, 0, sizeof(*s));
    return s;
}

int pg_txn_add(pg_txn_t *txn, bool prepared, const char *stmt, int nparams,
               const pg_param_t *params)
{
    pg_stmt_t *s = s_next_stmt(txn);
    if (!s)
        return -1;
    s->kind = prepared ? PG_STMT_PREPARED : PG_STMT_SQL;
    s->stmt = strdup(stmt);
    s->nparams = nparams;
    if (nparams > 0) {
        s->values = calloc((size_t)nparams, sizeof(char *));
        s->lengths = calloc((size_t)nparams, sizeof(int));
        s->formats = calloc((size_t)nparams, sizeof(int));
    }
    if (!s->stmt || (nparams > 0 && (!s->values || !s->lengths || !s->formats)))
        goto out_free_stmt;
    for (int i = 0; i < nparams; i++) {
        const pg_param_t *p = &params[i];
        if (!p->value)
            continue;
        size_t len = p->binary ? (size_t)p->len : strlen(p->value);
        s->values[i] = malloc(len + 1);
        if (!s->values[i])
            goto out_free_stmt;
        memcpy(s->values[i], p->value, len);
        s->values[i][len] = '\0';
        s->lengths[i] = (int)len;
        s->formats[i] = p->binary ? 1 : 0;
    }
    return txn->nstmts++;

out_free_stmt:
    s_stmt_free(s);
    return -1;
}

int pg_txn_add_prepare(pg_txn_t *txn, const char *name, const char *sql)
{
    pg_stmt_t *s = s_next_stmt(txn);
    if (!s)
        return -1;
    s->kind = PG_STMT_PREPARE;
    s->stmt = strdup(name);
    s->sql = strdup(sql);
    if (!s->stmt || !s->sql) {
        s_stmt_free(s);
        return -1;
    }
    return txn->nstmts++;
}

int pg_txn_add_batch(pg_txn_t *txn, const char *name, int nparams, const pg_param_t *params)
{
    /* For this transaction only: the generic plan is made at the
     * statement's first use on a connection (and again after the tables'
     * statistics change), always under these settings, and kept. */
    if (pg_txn_add(txn, false,
                   "SELECT set_config('plan_cache_mode', 'force_generic_plan', true),"
                   " set_config('enable_seqscan', 'off', true)",
                   0, NULL) < 0)
        return -1;
    return pg_txn_add(txn, true, name, nparams, params);
}

int pg_txn_count(const pg_txn_t *txn)
{
    return txn->nstmts;
}

PGresult *pg_txn_result(pg_txn_t *txn, int i)
{
    return (i >= 0 && i < txn->nresults) ? txn->results[i] : NULL;
}

const char *pg_txn_error(const pg_txn_t *txn)
{
    return txn->error;
}

bool pg_txn_connection_lost(const pg_txn_t *txn)
{
    return txn->connection_lost;
}

bool pg_refused_unknown_code(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    return state && strncmp(state, "23", 2) == 0 && constraint &&
           strcmp(constraint, ORG_CODES_CONSTRAINT) == 0;
}
