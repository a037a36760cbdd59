/* dubanctl bulletin: the bureau's periodic reports on demand, and the
 * inspection office's look-back re-checks. Talks to PostgreSQL directly with
 * the bulletin engine the service uses (services/bulletin), so a report can
 * be produced with or without a running duban-bulletin; publication is the
 * same exactly-once statement (the first record of a period wins), and the
 * BulletinPublished message it commits to the outbox goes out through the
 * bulletin service's relay.
 *
 *   bulletin month 2017-03 | quarter 2017-Q2 | half 2017-H1 | year 2017
 *            [--replace] [--no-files] [--from-rows]
 *                                   (--from-rows: every month from the rows,
 *                                   none from the frozen months, to check
 *                                   them; stores no month)
 *   bulletin days YYYY-MM           store the month's days that have ended for
 *                                   good and are not stored yet (the service
 *                                   does it as they end), for its month-check
 *   bulletin show PERIOD            the stored record (JSON)
 *   bulletin render PERIOD          write the files of the stored record again
 *   bulletin pdf PERIOD             and its PDF too (headless Chromium)
 *   bulletin list                   published bulletins
 *   bulletin rechecks [--period P] [--all]
 *   bulletin recheck ID --pass|--fail --note TEXT
 *   bulletin follow [--pub ENDPOINT]... [--for SECONDS] [--count N]
 *                                   subscribe to BulletinPublished (one JSON
 *                                   line per message) */
#include "dubanctl.h"

#include "auth.h"
#include "bulletin_pdf.h"
#include "bulletin_recheck.h"
#include "bulletin_render.h"
#include "bulletin_run.h"
#include "bulletin_store.h"
#include "bus.h"
#include "clock.h"

#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: dubanctl bulletin month YYYY-MM | quarter YYYY-Qn | half YYYY-Hn | year YYYY\n"
            "                         [--replace] [--no-files] [--from-rows]\n"
            "       dubanctl bulletin days YYYY-MM\n"
            "       dubanctl bulletin show|render|pdf PERIOD\n"
            "       dubanctl bulletin list\n"
            "       dubanctl bulletin rechecks [--period PERIOD] [--all]\n"
            "       dubanctl bulletin recheck ID --pass|--fail --note TEXT\n"
            "       dubanctl bulletin follow [--pub ENDPOINT]... [--for SECONDS] [--count N]\n");
}

void ctl_bulletin_usage(FILE *out)
{
    s_usage(out);
}

static int s_run(ctl_t *ctl, PGconn *conn, bulletin_engine_t *e, bulletin_kind_t kind, int argc,
                 char **argv)
{
    bulletin_run_opts_t opts = {.trigger = "demand", .by = "dubanctl"};
    const char *label = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--replace") == 0)
            opts.replace = true;
        else if (strcmp(argv[i], "--no-files") == 0)
            opts.no_files = true;
        else if (strcmp(argv[i], "--from-rows") == 0)
            opts.from_rows = true;
        else if (argv[i][0] != '-' && !label)
            label = argv[i];
        else {
            s_usage(stderr);
            return CTL_USAGE;
        }
    }
    bulletin_period_t p;
    if (!label || bulletin_period_parse_kind(kind, label, &p) < 0) {
        fprintf(stderr, "error: %s needs a period such as %s\n", bulletin_kind_str(kind),
                kind == BULLETIN_MONTH     ? "2017-03"
                : kind == BULLETIN_QUARTER ? "2017-Q2"
                : kind == BULLETIN_HALF    ? "2017-H1"
                                           : "2017");
        return CTL_USAGE;
    }
    int end_year, end_month;
    bulletin_period_month(&p, p.months, &end_year, &end_month);
    if (bulletin_month_start_us(end_year, end_month, e->offset_us) > clock_now_us()) {
        bulletin_period_t last;
        bulletin_period_last_ended(kind, clock_now_us(), e->offset_us, &last);
        fprintf(stderr, "error: period %s has not ended yet; the latest ended %s is %s\n", p.label,
                bulletin_kind_str(kind), last.label);
        return CTL_FAILED;
    }
    bulletin_run_info_t info;
    if (bulletin_run(conn, e, &p, &opts, &info) < 0) {
        fprintf(stderr, "error: bulletin %s was not produced (see above)\n", p.label);
        return CTL_FAILED;
    }
    if (ctl->json) {
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:f, s:{s:i, s:i, s:i}, s:i}", "period", p.label,
            "kind", bulletin_kind_str(kind), "result", bulletin_run_result_str(info.result),
            "digest", info.digest, "published_digest", info.stored_digest, "revision",
            info.revision, "rechecks", info.rechecks, "files", info.files, "seconds",
            (double)(info.read_us + info.compute_us + info.store_us + info.files_us) / 1e6,
            "months", "stored", info.months_stored, "read", info.months_read, "frozen",
            info.months_frozen, "days_stored", info.days_stored);
        ctl_print_json(j);
        json_decref(j);
    } else {
        printf("bulletin %s %s: digest %s", p.label, bulletin_run_result_str(info.result),
               info.digest);
        if (info.result == BULLETIN_RUN_DIFFERS)
            printf(" (published %s kept; the data changed since: use --replace to publish "
                   "revision %d)",
                   info.stored_digest, info.revision + 1);
        if (info.rechecks)
            printf(", %d re-check task(s)", info.rechecks);
        if (info.files[0])
            printf(", files in %s", info.files);
        printf("\n");
        /* how it was read: frozen months added, months read from the rows */
        fprintf(stderr, "months: %d as frozen, %d from the rows, %d frozen now; %d days as stored\n",
                info.months_stored, info.months_read, info.months_frozen, info.days_stored);
    }
    return info.result == BULLETIN_RUN_DIFFERS ? CTL_FAILED : CTL_OK;
}

static int s_days(ctl_t *ctl, PGconn *conn, bulletin_engine_t *e, const char *label)
{
    bulletin_period_t month;
    if (!label || bulletin_period_parse_kind(BULLETIN_MONTH, label, &month) < 0) {
        fprintf(stderr, "error: days needs a month such as 2017-03\n");
        return CTL_USAGE;
    }
    int read, stored;
    if (bulletin_days_run(conn, e, &month, clock_now_us(), &read, &stored) < 0) {
        fprintf(stderr, "error: the days of %s were not stored (see above)\n", month.label);
        return CTL_FAILED;
    }
    if (ctl->json) {
        json_t *j = json_pack("{s:s, s:i, s:i}", "month", month.label, "read", read, "stored",
                              stored);
        ctl_print_json(j);
        json_decref(j);
    } else {
        printf("days of %s: %d read from the rows, %d stored\n", month.label, read, stored);
    }
    return CTL_OK;
}

/* The stored record of PERIOD: 0 with *res holding record, digest, revision. */
static int s_stored(PGconn *conn, const char *label, bulletin_period_t *p, PGresult **res)
{
    if (!label || bulletin_period_parse(label, p) < 0) {
        fprintf(stderr, "error: a period is 2017-03, 2017-Q2, 2017-H1 or 2017\n");
        return CTL_USAGE;
    }
    const char *params[2] = {bulletin_kind_str(p->kind), p->label};
    *res = PQexecParams(conn, BULLETIN_STORE_READ_SQL, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(*res) != PGRES_TUPLES_OK || PQntuples(*res) != 1) {
        fprintf(stderr, "error: no bulletin %s is published%s%s\n", p->label,
                PQresultStatus(*res) == PGRES_TUPLES_OK ? "" : ": ",
                PQresultStatus(*res) == PGRES_TUPLES_OK ? "" : PQresultErrorMessage(*res));
        PQclear(*res);
        *res = NULL;
        return CTL_FAILED;
    }
    return CTL_OK;
}

/* The PDF of a rendered bulletin, beside its HTML page. */
static int s_pdf(ctl_t *ctl, bulletin_engine_t *e, const char *label)
{
    char html[PATH_MAX + 64], pdf[PATH_MAX + 64], abs[PATH_MAX];
    snprintf(html, sizeof(html), "%s/%s.html", e->out_dir, label);
    snprintf(pdf, sizeof(pdf), "%s/%s.pdf", e->out_dir, label);
    if (!realpath(html, abs)) {
        fprintf(stderr, "error: %s: %s\n", html, strerror(errno));
        return CTL_FAILED;
    }
    const char *chromium = settings_string(ctl->settings, "bulletin.chromium", "chromium");
    if (bulletin_pdf_write(chromium, abs, pdf, 120) < 0) {
        fprintf(stderr, "error: no PDF of %s (see above; setting bulletin.chromium names the "
                        "browser)\n",
                label);
        return CTL_FAILED;
    }
    printf("bulletin %s printed to %s\n", label, pdf);
    return CTL_OK;
}

static int s_show(ctl_t *ctl, PGconn *conn, bulletin_engine_t *e, const char *what,
                  const char *label)
{
    bulletin_period_t p;
    PGresult *res = NULL;
    int rc = s_stored(conn, label, &p, &res);
    if (rc != CTL_OK)
        return rc;
    if (strcmp(what, "show") != 0) {
        rc = bulletin_render_record(p.label, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
                                    e->out_dir) < 0
                 ? CTL_FAILED
                 : CTL_OK;
        if (rc == CTL_OK)
            printf("bulletin %s rendered to %s\n", p.label, e->out_dir);
        if (rc == CTL_OK && strcmp(what, "pdf") == 0)
            rc = s_pdf(ctl, e, p.label);
    } else {
        fputs(PQgetvalue(res, 0, 0), stdout);
    }
    PQclear(res);
    return rc;
}

static int s_print_rows(ctl_t *ctl, PGresult *res, const char *empty)
{
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "error: %s", PQresultErrorMessage(res));
        return CTL_FAILED;
    }
    json_t *rows = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *row = json_object();
        for (int c = 0; c < PQnfields(res); c++) {
            json_object_set_new(row, PQfname(res, c),
                                PQgetisnull(res, i, c) ? json_null()
                                                       : json_string(PQgetvalue(res, i, c)));
            if (!ctl->json)
                printf("%s%s", c ? "  " : "", PQgetisnull(res, i, c) ? "-" : PQgetvalue(res, i, c));
        }
        if (!ctl->json)
            printf("\n");
        json_array_append_new(rows, row);
    }
    if (ctl->json)
        ctl_print_json(rows);
    else if (PQntuples(res) == 0)
        printf("%s\n", empty);
    json_decref(rows);
    return CTL_OK;
}

static int s_list(ctl_t *ctl, PGconn *conn)
{
    PGresult *res = PQexec(conn, "SELECT kind, label, digest, revision, trigger, generated_by,"
                                 " to_char(created_at AT TIME ZONE 'Asia/Shanghai',"
                                 " 'YYYY-MM-DD HH24:MI') AS created FROM bulletins"
                                 " ORDER BY period_from, kind");
    int rc = s_print_rows(ctl, res, "no bulletins published yet");
    PQclear(res);
    return rc;
}

static int s_rechecks(ctl_t *ctl, PGconn *conn, int argc, char **argv)
{
    const char *period = NULL;
    bool all = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--period") == 0 && i + 1 < argc)
            period = argv[++i];
        else if (strcmp(argv[i], "--all") == 0)
            all = true;
        else {
            s_usage(stderr);
            return CTL_USAGE;
        }
    }
    const char *params[2] = {period, all ? "true" : "false"};
    PGresult *res = PQexecParams(
        conn,
        "SELECT r.id, r.period, c.case_number, r.division, r.state, r.decided_by,"
        " coalesce(r.note, '') AS note FROM bulletin_rechecks r JOIN cases c ON c.id = r.case_id"
        " WHERE ($1::text IS NULL OR r.period = $1) AND ($2::boolean OR r.state = 'pending')"
        " ORDER BY r.id",
        2, NULL, params, NULL, NULL, 0);
    int rc = s_print_rows(ctl, res, "no re-checks to show");
    PQclear(res);
    return rc;
}

/* The staff member whose token this invocation carries, if an inspector or
 * administrator. */
static int s_decider(ctl_t *ctl, PGconn *conn, char *staff, size_t len)
{
    char *token = ctl_token(ctl);
    if (!token) {
        fprintf(stderr, "error: re-checks are decided by the inspection office: act as an "
                        "inspector (--as insp001, --token or $DUBAN_TOKEN)\n");
        return -1;
    }
    char hash[AUTH_HASH_HEX];
    auth_token_hash(token, hash);
    sodium_memzero(token, strlen(token));
    free(token);
    const char *params[1] = {hash};
    PGresult *res = PQexecParams(conn,
                                 "SELECT s.code, s.role FROM staff_tokens t JOIN staff s"
                                 " ON s.code = t.staff WHERE t.token_sha256 = decode($1, 'hex')"
                                 " AND t.revoked_at IS NULL AND s.active",
                                 1, NULL, params, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        fprintf(stderr, "error: the token is unknown or revoked\n");
    else if (strcmp(PQgetvalue(res, 0, 1), "inspector") != 0 &&
             strcmp(PQgetvalue(res, 0, 1), "admin") != 0)
        fprintf(stderr, "error: only the inspection office decides re-checks (%s is a %s)\n",
                PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    else {
        snprintf(staff, len, "%s", PQgetvalue(res, 0, 0));
        rc = 0;
    }
    PQclear(res);
    return rc;
}

static int s_recheck(ctl_t *ctl, PGconn *conn, bulletin_engine_t *e, int argc, char **argv)
{
    const char *note = NULL;
    int verdict = -1;
    int64_t id = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--pass") == 0)
            verdict = 1;
        else if (strcmp(argv[i], "--fail") == 0)
            verdict = 0;
        else if (strcmp(argv[i], "--note") == 0 && i + 1 < argc)
            note = argv[++i];
        else if (argv[i][0] != '-' && !id)
            id = strtoll(argv[i], NULL, 10);
        else {
            s_usage(stderr);
            return CTL_USAGE;
        }
    }
    if (id <= 0 || verdict < 0 || !note || !note[0]) {
        fprintf(stderr, "error: recheck ID --pass|--fail --note TEXT (the note records what "
                        "was found)\n");
        return CTL_USAGE;
    }
    char staff[64];
    if (s_decider(ctl, conn, staff, sizeof(staff)) < 0)
        return CTL_FAILED;
    bulletin_recheck_info_t info;
    if (bulletin_recheck_decide(conn, e, id, verdict == 1, note, staff, &info) < 0) {
        fprintf(stderr, "error: re-check %lld was not recorded (see above)\n", (long long)id);
        return CTL_FAILED;
    }
    switch (info.result) {
    case BULLETIN_RECHECK_NOT_FOUND:
        fprintf(stderr, "error: no re-check has the id %lld (see dubanctl bulletin rechecks)\n",
                (long long)id);
        return CTL_FAILED;
    case BULLETIN_RECHECK_DECIDED:
        fprintf(stderr, "error: re-check %lld of case %s was already decided (%s)\n", (long long)id,
                info.case_number, info.state);
        return CTL_FAILED;
    case BULLETIN_RECHECK_PASSED:
        printf("re-check %lld of case %s passed\n", (long long)id, info.case_number);
        break;
    case BULLETIN_RECHECK_REOPENED:
        printf("re-check %lld of case %s failed: case reopened to %s, new task #%lld\n",
               (long long)id, info.case_number, info.division, (long long)info.task_id);
        break;
    default:
        printf("re-check %lld of case %s failed: recorded (the case is open already)\n",
               (long long)id, info.case_number);
        break;
    }
    return CTL_OK;
}

/* A subscriber of bulletin.pub (or of the endpoints given): prints each
 * BulletinPublished as one JSON line until --count messages or --for
 * seconds. PUB does not keep messages for a subscriber that is not yet
 * connected: start following before the bulletin is published. */
static int s_follow(ctl_t *ctl, int argc, char **argv)
{
    settings_t *st = ctl->settings;
    const char *pubs[8];
    int npubs = 0, count = 0;
    double seconds = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--pub") == 0 && i + 1 < argc && npubs < 8)
            pubs[npubs++] = argv[++i];
        else if (strcmp(argv[i], "--for") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atoi(argv[++i]);
        else {
            s_usage(stderr);
            return CTL_USAGE;
        }
    }
    if (npubs == 0)
        pubs[npubs++] = settings_string(st, "bulletin.pub", "tcp://127.0.0.1:7111");
    void *ctx = zmq_ctx_new();
    void *sub = ctx ? zmq_socket(ctx, ZMQ_SUB) : NULL;
    int linger = 0, rc = CTL_FAILED, got = 0;
    if (!sub || BUS_SETSOCKOPT(sub, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
        BUS_SETSOCKOPT(sub, ZMQ_SUBSCRIBE, "bulletin.", 9) < 0)
        goto out_close;
    for (int i = 0; i < npubs; i++)
        if (ctl_bus_connect(ctl, sub, "bulletin", pubs[i]) < 0)
            goto out_close;
    int64_t end = seconds > 0 ? clock_mono_us() + (int64_t)(seconds * 1e6) : 0;
    while ((count <= 0 || got < count) && (!end || clock_mono_us() < end)) {
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 100) <= 0)
            continue;
        zmq_msg_t topic, body;
        zmq_msg_init(&topic);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&topic, sub, 0) >= 0 && zmq_msg_more(&topic) &&
            zmq_msg_recv(&body, sub, 0) >= 0) {
            Duban__Envelope *env = bus_envelope_unpack(zmq_msg_data(&body), zmq_msg_size(&body));
            Duban__BulletinPublished *b =
                env && env->type == DUBAN__MSG_TYPE__BULLETIN_PUBLISHED
                    ? duban__bulletin_published__unpack(NULL, env->body.len, env->body.data)
                    : NULL;
            if (b) {
                json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "period", b->period, "kind",
                                      b->kind, "title", b->title, "digest", b->digest, "revision",
                                      b->revision, "msg_id", env->msg_id);
                char *line = json_dumps(j, JSON_COMPACT);
                if (line)
                    printf("%s\n", line);
                fflush(stdout);
                free(line);
                json_decref(j);
                duban__bulletin_published__free_unpacked(b, NULL);
                got++;
            }
            if (env)
                duban__envelope__free_unpacked(env, NULL);
        }
        zmq_msg_close(&topic);
        zmq_msg_close(&body);
    }
    rc = count <= 0 || got >= count ? CTL_OK : CTL_FAILED;
    if (rc != CTL_OK)
        fprintf(stderr, "error: %d of %d bulletin message(s) arrived in time\n", got, count);
out_close:
    if (sub)
        zmq_close(sub);
    if (ctx)
        zmq_ctx_term(ctx);
    return rc;
}

int ctl_bulletin(ctl_t *ctl, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CTL_USAGE : CTL_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "follow") == 0)
        return s_follow(ctl, argc, argv);
    bulletin_kind_t kind;
    bool is_run = bulletin_kind_parse(sub, &kind) == 0;
    if (!is_run && strcmp(sub, "show") != 0 && strcmp(sub, "render") != 0 &&
        strcmp(sub, "pdf") != 0 && strcmp(sub, "days") != 0 &&
        strcmp(sub, "list") != 0 && strcmp(sub, "rechecks") != 0 && strcmp(sub, "recheck") != 0) {
        fprintf(stderr, "error: unknown bulletin command %s\n", sub);
        s_usage(stderr);
        return CTL_USAGE;
    }
    if (sodium_init() < 0)
        return CTL_FAILED;
    bulletin_engine_t *e = bulletin_engine_new(ctl->settings);
    if (!e) {
        fprintf(stderr, "error: the bulletin, SLA or calendar configuration is not valid (see "
                        "above)\n");
        return CTL_FAILED;
    }
    PGconn *conn = ctl_pg_connect(ctl);
    int rc = CTL_FAILED;
    if (!conn)
        goto out_destroy;
    PQclear(PQexec(conn, "SET client_min_messages = warning"));
    if (is_run)
        rc = s_run(ctl, conn, e, kind, argc, argv);
    else if (strcmp(sub, "show") == 0 || strcmp(sub, "render") == 0 || strcmp(sub, "pdf") == 0)
        rc = s_show(ctl, conn, e, sub, argc > 2 ? argv[2] : NULL);
    else if (strcmp(sub, "days") == 0)
        rc = s_days(ctl, conn, e, argc > 2 ? argv[2] : NULL);
    else if (strcmp(sub, "list") == 0)
        rc = s_list(ctl, conn);
    else if (strcmp(sub, "rechecks") == 0)
        rc = s_rechecks(ctl, conn, argc, argv);
    else
        rc = s_recheck(ctl, conn, e, argc, argv);
    PQfinish(conn);
out_destroy:
    bulletin_engine_destroy(&e);
    return rc;
}
