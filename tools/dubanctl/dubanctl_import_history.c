/* dubanctl import-history FILE.json: migrating a ledger (整治台账) of
 * historical cases with their original timestamps and handling history
 * (issue 3), for administrators, directly into PostgreSQL.
 *
 * The file is a JSON array of cases; each has its fields and its steps in
 * time order. Every case is replayed in memory first through the live
 * workflow's own rules and deadline arithmetic (dubanctl_history_steps.c):
 * what dispatch would refuse is refused, with the entry's index and live's
 * reason, and nothing of that case is stored. Then the case, its tasks, one
 * case_events row per step, its clocks' history and the violations the
 * history shows are written in one transaction (dubanctl_history_store.c),
 * so the bulletins compute from them exactly as from live data.
 *
 * external_ref identifies a case across imports: importing the same entry
 * again adds nothing; an entry with more steps than were imported (the same
 * ledger, kept up later) adds its later steps, provided its earlier steps
 * are those stored (history_digest). */
#include "dubanctl_history.h"

#include "clock.h"
#include "text.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    ctl_t *ctl;
    int created, extended, present, refused;
    json_t *report;
} h_run_t;

static void s_report(h_run_t *r, size_t index, const char *ref, const char *result,
                     const char *number, int added, const char *reason)
{
    if (r->report) {
        json_array_append_new(
            r->report, json_pack("{s:I, s:s?, s:s, s:s?, s:i, s:s?}", "entry", (json_int_t)index,
                                 "external_ref", ref, "result", result, "case_number", number,
                                 "steps_added", added, "reason", reason));
        return;
    }
    if (reason) {
        /* The reason may quote the ledger (a member's name). */
        char safe[sizeof(((h_case_t *)0)->error) * 4];
        text_escape(reason, strlen(reason), safe, sizeof(safe), false);
        fprintf(stderr, "entry %zu (%s): %s\n", index, ref ? ref : "no external_ref", safe);
    }
    else if (strcmp(result, "extended") == 0)
        printf("entry %zu (%s): %d later step(s) added to %s\n", index, ref, added, number);
    else
        printf("entry %zu (%s): %s %s\n", index, ref, result, number ? number : "");
}

static void s_one(h_run_t *r, PGconn *conn, h_case_t *h, json_t *entry, size_t index)
{
    char number[40] = "";
    int added = 0;
    int rc = history_fields(h, entry) < 0 ? -1 : history_replay(h, json_object_get(entry, "steps"));
    if (rc == 0)
        rc = history_store(conn, h, number, sizeof(number), &added);
    if (rc < 0) {
        r->refused++;
        s_report(r, index, h->ref, "refused", NULL, 0, h->error);
    } else if (rc == HISTORY_PRESENT) {
        r->present++;
        s_report(r, index, h->ref, "already imported", NULL, 0, NULL);
    } else if (rc == HISTORY_EXTENDED) {
        r->extended++;
        s_report(r, index, h->ref, "extended", number, added, NULL);
    } else {
        r->created++;
        s_report(r, index, h->ref, "imported", number, added, NULL);
    }
    for (int i = 0; i < h->nevents; i++)
        json_decref(h->events[i].detail);
}

int ctl_import_history(ctl_t *ctl, int argc, char **argv)
{
    const char *path = argc == 2 && argv[1][0] != '-' ? argv[1] : NULL;
    if (!path) {
        fprintf(stderr, "usage: dubanctl import-history FILE.json\n");
        return CTL_USAGE;
    }
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root || !json_is_array(root)) {
        fprintf(stderr, "error: %s is not a JSON array of cases: %s\n", path,
                root ? "not an array" : text_json_err(&err));
        json_decref(root);
        return CTL_FAILED;
    }
    org_t *org = org_new(settings_string(ctl->settings, "org_file", "deploy/config/org.conf"));
    sla_t *sla = sla_from_settings(ctl->settings);
    calendar_t *natural = calendar_new_round_the_clock();
    calendar_t *working = calendar_from_settings(ctl->settings);
    deadline_rules_t rules = {sla, working, natural};
    PGconn *conn = NULL;
    h_case_t *h = calloc(1, sizeof(*h));
    h_run_t run = {.ctl = ctl, .report = ctl->json ? json_array() : NULL};
    int rc = CTL_FAILED;
    if (!org || !sla || !natural || !working || !h || sodium_init() < 0) {
        fprintf(stderr, "error: the org file, SLA file or business calendar is not valid (see "
                        "above)\n");
        goto out_free;
    }
    if (!(conn = ctl_pg_connect(ctl)))
        goto out_free;
    size_t i;
    json_t *entry;
    json_array_foreach(root, i, entry)
    {
        memset(h, 0, sizeof(*h));
        *h = (h_case_t){.org = org, .rules = &rules, .working = working,
                        .now_us = clock_now_us()};
        s_one(&run, conn, h, entry, i + 1);
    }
    if (run.report) {
        json_t *out = json_pack("{s:i, s:i, s:i, s:i, s:O}", "imported", run.created, "extended",
                                run.extended, "already_imported", run.present, "refused",
                                run.refused, "entries", run.report);
        ctl_print_json(out);
        json_decref(out);
    } else {
        printf("imported %d, extended %d, already present %d, refused %d\n", run.created,
               run.extended, run.present, run.refused);
    }
    rc = run.refused ? CTL_FAILED : CTL_OK;
out_free:
    json_decref(run.report);
    PQfinish(conn);
    free(h);
    calendar_destroy(&working);
    calendar_destroy(&natural);
    sla_destroy(&sla);
    org_destroy(&org);
    json_decref(root);
    return rc;
}
