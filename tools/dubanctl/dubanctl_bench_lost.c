/* The cases of a benchmark whose console message never came (dubanctl
 * bench). A PUB socket drops what it cannot send, and a subscriber misses
 * what was published before its subscription was in force: such a case
 * reached no console, but its task is in the database. A case still missing
 * whose lead task is committed, and which still has no message grace_us
 * after it was first found so (dispatch publishes right after its commit,
 * and ZeroMQ keeps a publisher's order), is counted from the database at
 * its task's dispatch time, apart from those the consoles saw. */
#include "dubanctl.h"

#include "bench_ledger.h"
#include "clock.h"
#include "pg_array.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int ctl_bench_count_lost(ctl_t *ctl, bench_ledger_t *ledger, int64_t now_us, int64_t grace_us)
{
    bench_ledger_counts_t n;
    bench_ledger_counts(ledger, &n);
    const char **missing = n.accepted > 0 ? calloc((size_t)n.accepted, sizeof(char *)) : NULL;
    int count = missing ? bench_ledger_missing(ledger, missing, n.accepted) : 0;
    pg_array_t numbers;
    pg_array_init(&numbers);
    for (int i = 0; i < count; i++)
        pg_array_add_text(&numbers, missing[i]);
    free(missing);
    const char *params[1] = {pg_array_text(&numbers)};
    PGconn *conn = count > 0 && params[0] ? ctl_pg_connect(ctl) : NULL;
    PGresult *res =
        conn ? PQexecParams(conn,
                            "SELECT c.case_number, (extract(epoch FROM t.dispatched_at)"
                            " * 1000000)::bigint FROM cases c JOIN tasks t ON t.case_id = c.id"
                            " AND t.role = 'lead' WHERE c.case_number = ANY($1::text[])",
                            1, NULL, params, NULL, NULL, 0)
             : NULL;
    if (conn && PQresultStatus(res) != PGRES_TUPLES_OK)
        fprintf(stderr, "bench: could not look up the cases without a console message: %s",
                PQerrorMessage(conn));
    /* the database's times are wall-clock ones, the ledger's monotonic */
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    int64_t mono_minus_wall =
        clock_mono_us() - ((int64_t)wall.tv_sec * 1000000 + wall.tv_nsec / 1000);
    int lost = 0;
    for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++) {
        const char *number = PQgetvalue(res, i, 0);
        int64_t seen = bench_ledger_suspect(ledger, number, now_us);
        if (seen > 0 && now_us - seen >= grace_us)
            lost += bench_ledger_from_database(
                ledger, number, strtoll(PQgetvalue(res, i, 1), NULL, 10) + mono_minus_wall);
    }
    PQclear(res);
    PQfinish(conn);
    pg_array_free(&numbers);
    return lost;
}
