/* dubanctl outbox: the messages parked after their consumer refused them
 * outbox.max_attempts times (see common/outbox.h): list them with the
 * reason, send one again once its cause is fixed, or give one up. A dropped
 * message stays in the outbox with who dropped it, when and why. */
#include "dubanctl.h"

#include "bus.h"
#include "outbox.h"

#include <getopt.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void s_usage(FILE *out)
{
    fprintf(out, "usage: dubanctl outbox parked [--all] [--json]\n"
                 "       dubanctl outbox retry ID [--json]\n"
                 "       dubanctl outbox drop ID [--reason TEXT] [--json]\n\n"
                 "  parked  messages parked after their consumer refused them, with the reason\n"
                 "          (--all: also those dropped)\n"
                 "  retry   send parked message ID again (fix the cause first); its count of\n"
                 "          refusals starts over\n"
                 "  drop    give parked message ID up; it is kept, marked with who dropped it,\n"
                 "          when and why (--as STAFF names who, else the system user)\n");
}

void ctl_outbox_usage(FILE *out)
{
    s_usage(out);
}

/* ID must be a positive integer (an outbox row id). */
static const char *s_id(int argc, char **argv)
{
    if (optind >= argc)
        return NULL;
    const char *id = argv[optind];
    if (!id[0] || strlen(id) > 18 || strspn(id, "0123456789") != strlen(id))
        return NULL;
    return id;
}

static int s_parked(ctl_t *ctl, PGconn *conn, bool all)
{
    PGresult *res = NULL;
    const char *params[1] = {all ? "true" : "false"};
    if (ctl_pg_exec(conn, OUTBOX_PARKED_SQL, 1, params, &res) < 0)
        return CTL_FAILED;
    json_t *list = json_array();
    int n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        const char *type_num = PQgetvalue(res, i, OUTBOX_PARKED_COL_MSG_TYPE);
        const char *type = bus_msg_type_str((Duban__MsgType)atoi(type_num));
        const char *dropped_at = PQgetvalue(res, i, OUTBOX_PARKED_COL_DROPPED_AT);
        if (ctl->json) {
            json_t *row = json_pack(
                "{s:I, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "id",
                (json_int_t)strtoll(PQgetvalue(res, i, OUTBOX_PARKED_COL_ID), NULL, 10), "msg_id",
                PQgetvalue(res, i, OUTBOX_PARKED_COL_MSG_ID), "destination",
                PQgetvalue(res, i, OUTBOX_PARKED_COL_DESTINATION), "type", type, "case_number",
                PQgetvalue(res, i, OUTBOX_PARKED_COL_CASE_NUMBER), "refusals",
                atoi(PQgetvalue(res, i, OUTBOX_PARKED_COL_REFUSALS)), "sends",
                atoi(PQgetvalue(res, i, OUTBOX_PARKED_COL_ATTEMPTS)), "parked_at",
                PQgetvalue(res, i, OUTBOX_PARKED_COL_PARKED_AT), "reason",
                PQgetvalue(res, i, OUTBOX_PARKED_COL_PARK_REASON));
            if (row && dropped_at[0])
                json_object_set_new(
                    row, "dropped",
                    json_pack("{s:s, s:s, s:s}", "at", dropped_at, "by",
                              PQgetvalue(res, i, OUTBOX_PARKED_COL_DROPPED_BY), "reason",
                              PQgetvalue(res, i, OUTBOX_PARKED_COL_DROP_REASON)));
            json_array_append_new(list, row);
            continue;
        }
        char reason[600];
        printf("%-8s %-10s %-18s %-16s refused %s time(s), sent %s, parked %s%s%s\n",
               PQgetvalue(res, i, OUTBOX_PARKED_COL_ID),
               PQgetvalue(res, i, OUTBOX_PARKED_COL_DESTINATION), type,
               PQgetvalue(res, i, OUTBOX_PARKED_COL_CASE_NUMBER)[0]
                   ? PQgetvalue(res, i, OUTBOX_PARKED_COL_CASE_NUMBER)
                   : "-",
               PQgetvalue(res, i, OUTBOX_PARKED_COL_REFUSALS),
               PQgetvalue(res, i, OUTBOX_PARKED_COL_ATTEMPTS),
               PQgetvalue(res, i, OUTBOX_PARKED_COL_PARKED_AT), dropped_at[0] ? ", dropped " : "",
               dropped_at);
        printf("         reason: %s\n",
               ctl_flat(PQgetvalue(res, i, OUTBOX_PARKED_COL_PARK_REASON), reason, sizeof(reason)));
        if (dropped_at[0])
            printf("         dropped by %s: %s\n", PQgetvalue(res, i, OUTBOX_PARKED_COL_DROPPED_BY),
                   ctl_flat(PQgetvalue(res, i, OUTBOX_PARKED_COL_DROP_REASON), reason,
                            sizeof(reason)));
    }
    if (ctl->json)
        ctl_print_json(list);
    else if (n == 0)
        printf("no parked messages\n");
    json_decref(list);
    PQclear(res);
    return CTL_OK;
}

/* Who drops: --as STAFF, else the system user running dubanctl. */
static const char *s_who(ctl_t *ctl, char *buf, size_t len)
{
    if (ctl->as && ctl->as[0]) {
        snprintf(buf, len, "%s", ctl->as);
        return buf;
    }
    struct passwd *pw = getpwuid(geteuid());
    snprintf(buf, len, "system user %s", pw ? pw->pw_name : "(unknown)");
    return buf;
}

/* Runs OUTBOX_RETRY_SQL or OUTBOX_DROP_SQL on id; reports the outcome. */
static int s_change(ctl_t *ctl, PGconn *conn, bool retry, const char *id, const char *reason)
{
    char who[128];
    const char *params[3] = {id, s_who(ctl, who, sizeof(who)), reason ? reason : ""};
    PGresult *res = NULL;
    if (ctl_pg_exec(conn, retry ? OUTBOX_RETRY_SQL : OUTBOX_DROP_SQL, retry ? 1 : 3, params,
                    &res) < 0)
        return CTL_FAILED;
    int found = PQntuples(res);
    char destination[64];
    snprintf(destination, sizeof(destination), "%s", found ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    if (!found) {
        fprintf(stderr, "error: outbox message %s is not parked (dubanctl outbox parked lists those"
                        " that are)\n", id);
        return CTL_FAILED;
    }
    if (ctl->json)
        printf("{\"id\": %s, \"destination\": \"%s\", \"%s\": true}\n", id, destination,
               retry ? "retried" : "dropped");
    else if (retry)
        printf("outbox message %s goes to %s again\n", id, destination);
    else
        printf("outbox message %s to %s dropped by %s (kept in the outbox as a record)\n", id,
               destination, who);
    return CTL_OK;
}

int ctl_outbox(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {{"all", no_argument, NULL, 'a'},
                                            {"reason", required_argument, NULL, 'r'},
                                            {"json", no_argument, NULL, 'j'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        s_usage(stdout);
        return CTL_OK;
    }
    bool all = false;
    const char *reason = NULL;
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'a')
            all = true;
        else if (opt == 'r')
            reason = optarg;
        else if (opt == 'h') {
            s_usage(stdout);
            return CTL_OK;
        } else if (opt != 'j') {
            s_usage(stderr);
            return CTL_USAGE;
        }
    }
    bool parked = strcmp(sub, "parked") == 0, retry = strcmp(sub, "retry") == 0,
         drop = strcmp(sub, "drop") == 0;
    const char *id = s_id(argc, argv);
    if (!(parked || retry || drop) || ((retry || drop) && !id) || (reason && !drop) ||
        (all && !parked)) {
        if ((retry || drop) && !id)
            fprintf(stderr, "error: outbox %s needs the ID of a parked message (a number)\n", sub);
        s_usage(stderr);
        return CTL_USAGE;
    }
    if (reason && strlen(reason) > 1000) {
        fprintf(stderr, "error: --reason is longer than 1000 bytes\n");
        return CTL_USAGE;
    }
    PGconn *conn = ctl_pg_connect(ctl);
    if (!conn)
        return CTL_FAILED;
    int rc = parked ? s_parked(ctl, conn, all) : s_change(ctl, conn, retry, id, reason);
    PQfinish(conn);
    return rc;
}
