/* dubanctl workitem create and dubanctl import-plan: supervised work items
 * (督办事项) as the inspection office files them. Both post the API's JSON
 * (services/intake/intake_workitem.h) to POST /api/v1/workitems, acting as
 * the inspection office (insp001 unless --as or --token says otherwise);
 * dispatch checks the rules and makes the case and its tasks. import-plan
 * records the plan and its phases first (plans, plan_phases) and gives each
 * item its phase's dates unless the item names its own: a date D starts at
 * the opening of the bureau's working day (D 08:30 +08:00) and ends at its
 * close (D 17:30 +08:00). Re-importing a plan makes nothing twice: items are
 * keyed by their ref. */
#include "dubanctl.h"
#include "text.h"

#include <getopt.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bureau's working day (deploy/config/calendar/hours.conf). */
#define PLAN_DAY_OPENS "T08:30:00+08:00"
#define PLAN_DAY_CLOSES "T17:30:00+08:00"

/* "2017-03-08" as an instant at the day's opening or close; an instant
 * (with a "T") as it is. NULL when it is neither. */
static json_t *s_instant(json_t *v, bool closes)
{
    const char *s = json_string_value(v);
    if (!s)
        return NULL;
    if (strchr(s, 'T'))
        return json_string(s);
    if (strlen(s) != 10)
        return NULL;
    char buf[40];
    snprintf(buf, sizeof(buf), "%s%s", s, closes ? PLAN_DAY_CLOSES : PLAN_DAY_OPENS);
    return json_string(buf);
}

/* The same for a text of the command line. */
static json_t *s_instant_text(const char *text, bool closes)
{
    json_t *v = json_string(text);
    json_t *out = s_instant(v, closes);
    json_decref(v);
    return out;
}

/* Posts one item; prints its case number. Returns 0, or -1 (printed why). */
static int s_post(ctl_t *ctl, json_t *item, bool quiet, bool *created)
{
    char *body = json_dumps(item, JSON_COMPACT);
    json_t *reply = NULL;
    int status = body ? ctl_http(ctl, "POST", "/api/v1/workitems", body, &reply) : -1;
    free(body);
    if (status < 0)
        return -1;
    int rc = 0;
    if (status != 200) {
        fprintf(stderr, "work item %s: ", json_string_value(json_object_get(item, "ref")));
        ctl_print_problem(status, reply);
        rc = -1;
    } else {
        const char *message = json_string_value(json_object_get(reply, "message"));
        if (created)
            *created = message && strstr(message, "created");
        if (ctl->json && !quiet)
            ctl_print_json(reply);
        else if (!quiet)
            printf("%s\n", json_string_value(json_object_get(reply, "case_number")));
    }
    json_decref(reply);
    return rc;
}

static int s_create(ctl_t *ctl, int argc, char **argv)
{
    static const struct option options[] = {
        {"ref", required_argument, NULL, 'r'},        {"source", required_argument, NULL, 's'},
        {"title", required_argument, NULL, 't'},      {"content", required_argument, NULL, 'c'},
        {"leader", required_argument, NULL, 'l'},     {"lead", required_argument, NULL, 'L'},
        {"division", required_argument, NULL, 'd'},   {"units", required_argument, NULL, 'u'},
        {"starts", required_argument, NULL, 'S'},     {"deadline", required_argument, NULL, 'D'},
        {"monthly-report", required_argument, NULL, 'm'},
        {"quarterly-report", required_argument, NULL, 'q'},
        {"report-every", required_argument, NULL, 'e'},
        {"milestone", required_argument, NULL, 'M'},  {"file", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},             {NULL, 0, NULL, 0}};
    json_t *item = json_object(), *leaders = json_array(), *divisions = json_array(),
           *milestones = json_array();
    const char *file = NULL;
    int opt, rc = CTL_USAGE;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'r': json_object_set_new(item, "ref", json_string(optarg)); break;
        case 's': json_object_set_new(item, "source", json_string(optarg)); break;
        case 't': json_object_set_new(item, "title", json_string(optarg)); break;
        case 'c': json_object_set_new(item, "content", json_string(optarg)); break;
        case 'l': json_array_append_new(leaders, json_string(optarg)); break;
        case 'L': json_object_set_new(item, "lead_division", json_string(optarg)); break;
        case 'd': json_array_append_new(divisions, json_string(optarg)); break;
        case 'u': json_object_set_new(item, "named_units", json_string(optarg)); break;
        case 'S': json_object_set_new(item, "starts", s_instant_text(optarg, false)); break;
        case 'D': json_object_set_new(item, "deadline", s_instant_text(optarg, true)); break;
        case 'm':
        case 'q':
            json_object_set_new(item, "report",
                                json_pack("{s:s, s:i}", "rhythm", opt == 'm' ? "monthly" : "quarterly",
                                          "by_working_day", atoi(optarg)));
            break;
        case 'e':
            json_object_set_new(item, "report", json_pack("{s:s, s:i}", "rhythm", "working_days",
                                                          "every_working_days", atoi(optarg)));
            break;
        case 'M': {
            /* TITLE@DATE */
            char *at = strrchr(optarg, '@');
            if (!at) {
                fprintf(stderr, "error: --milestone is TITLE@DATE\n");
                goto out;
            }
            *at = '\0';
            json_array_append_new(milestones,
                                  json_pack("{s:s, s:o*}", "title", optarg, "due",
                                            s_instant_text(at + 1, true)));
            break;
        }
        case 'f': file = optarg; break;
        case 'j': break;
        default: goto out;
        }
    }
    if (file) {
        json_error_t err;
        json_decref(item);
        item = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
        if (!json_is_object(item)) {
            fprintf(stderr, "error: %s: %s\n", file,
                    item ? "not a JSON object" : text_json_err(&err));
            rc = CTL_FAILED;
            goto out;
        }
    } else {
        json_object_set(item, "leaders", leaders);
        json_object_set(item, "divisions", divisions);
        json_object_set(item, "milestones", milestones);
    }
    ctl_act_as(ctl, "insp001");
    rc = s_post(ctl, item, false, NULL) == 0 ? CTL_OK : CTL_FAILED;
out:
    json_decref(item);
    json_decref(leaders);
    json_decref(divisions);
    json_decref(milestones);
    return rc;
}

int ctl_workitem(ctl_t *ctl, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "show") == 0))
        return ctl_workitem_read(ctl, argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        fprintf(stderr, "error: dubanctl workitem create ... | list ... | show CASE\n");
        return CTL_USAGE;
    }
    return s_create(ctl, argc - 1, argv + 1);
}

/* The plan and its phases, as the file gives them (a re-import updates
 * titles and dates; an item's dates were fixed when it was made). */
static int s_record_plan(ctl_t *ctl, json_t *plan)
{
    PGconn *conn = ctl_pg_connect(ctl);
    if (!conn)
        return -1;
    const char *code = json_string_value(json_object_get(plan, "code"));
    const char *params[4] = {code, json_string_value(json_object_get(plan, "title")),
                             json_string_value(json_object_get(plan, "issued_by")),
                             json_string_value(json_object_get(plan, "issued_on"))};
    int rc = ctl_pg_exec(conn, "BEGIN", 0, NULL, NULL);
    rc |= ctl_pg_exec(conn,
                      "INSERT INTO plans (code, title, issued_by, issued_on)"
                      " VALUES ($1, $2, $3, $4::date) ON CONFLICT (code) DO UPDATE"
                      " SET title = excluded.title, issued_by = excluded.issued_by,"
                      " issued_on = excluded.issued_on",
                      4, params, NULL);
    json_t *phases = json_object_get(plan, "phases");
    size_t i;
    json_t *ph;
    json_array_foreach(phases, i, ph)
    {
        char seq[16];
        snprintf(seq, sizeof(seq), "%lld", (long long)json_integer_value(json_object_get(ph, "seq")));
        const char *p[5] = {code, seq, json_string_value(json_object_get(ph, "name")),
                            json_string_value(json_object_get(ph, "starts")),
                            json_string_value(json_object_get(ph, "ends"))};
        rc |= ctl_pg_exec(conn,
                          "INSERT INTO plan_phases (plan, seq, name, starts_on, ends_on)"
                          " VALUES ($1, $2::int, $3, $4::date, $5::date) ON CONFLICT (plan, seq)"
                          " DO UPDATE SET name = excluded.name, starts_on = excluded.starts_on,"
                          " ends_on = excluded.ends_on",
                          5, p, NULL);
    }
    rc |= ctl_pg_exec(conn, rc ? "ROLLBACK" : "COMMIT", 0, NULL, NULL);
    PQfinish(conn);
    return rc ? -1 : 0;
}

static json_t *s_phase(json_t *plan, json_int_t seq)
{
    size_t i;
    json_t *ph;
    json_array_foreach(json_object_get(plan, "phases"), i, ph)
    {
        if (json_integer_value(json_object_get(ph, "seq")) == seq)
            return ph;
    }
    return NULL;
}

/* The item as the API takes it: the plan's code, the phase's dates unless
 * the item has its own, the plan's report rhythm unless it has its own. */
static json_t *s_item(json_t *plan, json_t *it, char *why, size_t len)
{
    json_t *item = json_deep_copy(it);
    /* an item of no phase (over the whole plan) gives its own dates */
    json_t *ph = json_object_get(it, "phase");
    json_t *phase = ph ? s_phase(plan, json_integer_value(ph)) : NULL;
    if (ph && !phase) {
        snprintf(why, len, "names no phase of the plan");
        json_decref(item);
        return NULL;
    }
    json_object_set_new(item, "plan", json_string(json_string_value(json_object_get(plan, "code"))));
    json_object_set_new(item, "source", json_string("plan"));
    json_t *starts = json_object_get(it, "starts") ? json_object_get(it, "starts")
                                                   : json_object_get(phase, "starts");
    json_t *deadline = json_object_get(it, "deadline") ? json_object_get(it, "deadline")
                                                       : json_object_get(phase, "ends");
    json_t *s = s_instant(starts, false), *d = s_instant(deadline, true);
    if (!s || !d) {
        snprintf(why, len, "has a start or deadline that is not a date (YYYY-MM-DD) or instant");
        json_decref(s);
        json_decref(d);
        json_decref(item);
        return NULL;
    }
    json_object_set_new(item, "starts", s);
    json_object_set_new(item, "deadline", d);
    json_t *milestones = json_object_get(item, "milestones");
    size_t i;
    json_t *m;
    json_array_foreach(milestones, i, m)
    {
        json_t *due = s_instant(json_object_get(m, "due"), true);
        if (due)
            json_object_set_new(m, "due", due);
    }
    if (!json_object_get(item, "report") && json_object_get(plan, "report"))
        json_object_set(item, "report", json_object_get(plan, "report"));
    /* what the plan says in its own words stays in the file only */
    json_object_del(item, "leaders_named");
    json_object_del(item, "lead_division_named");
    json_object_del(item, "note");
    return item;
}

int ctl_import_plan(ctl_t *ctl, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "error: dubanctl import-plan FILE.json\n");
        return CTL_USAGE;
    }
    json_error_t err;
    json_t *plan = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(plan) || !json_is_string(json_object_get(plan, "code")) ||
        !json_is_string(json_object_get(plan, "title")) ||
        !json_is_array(json_object_get(plan, "phases")) ||
        !json_is_array(json_object_get(plan, "items"))) {
        if (!plan)
            fprintf(stderr, "error: %s: %s\n", argv[1],
                    text_json_err(&err));
        else
            fprintf(stderr, "error: %s is not a plan: it needs code, title, phases and items\n",
                    argv[1]);
        json_decref(plan);
        return CTL_FAILED;
    }
    ctl_act_as(ctl, "insp001");
    if (s_record_plan(ctl, plan) < 0) {
        json_decref(plan);
        return CTL_FAILED;
    }
    size_t i, made = 0, failed = 0;
    json_t *it;
    json_array_foreach(json_object_get(plan, "items"), i, it)
    {
        char why[160];
        json_t *item = s_item(plan, it, why, sizeof(why));
        bool created = false;
        if (!item) {
            fprintf(stderr, "error: item %zu (%s) %s\n", i + 1,
                    json_string_value(json_object_get(it, "ref")), why);
            failed++;
            continue;
        }
        if (s_post(ctl, item, true, &created) < 0)
            failed++;
        else if (created)
            made++;
        json_decref(item);
    }
    size_t n = json_array_size(json_object_get(plan, "items"));
    printf("plan %s: %zu items, %zu new, %zu refused\n",
           json_string_value(json_object_get(plan, "code")), n, made, failed);
    json_decref(plan);
    return failed ? CTL_FAILED : CTL_OK;
}
