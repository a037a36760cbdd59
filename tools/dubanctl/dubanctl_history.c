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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int history_fail(h_case_t *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->error, sizeof(h->error), fmt, ap);
    va_end(ap);
    return -1;
}

void history_event(h_case_t *h, int64_t at, int task, const char *type, const char *actor,
                   json_t *detail)
{
    if (h->nevents < H_MAX_EVENTS)
        h->events[h->nevents++] = (h_event_t){at, task, h->step, type, actor, detail};
    else
        json_decref(detail);
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && s[0] ? s : NULL;
}

void history_digest(const h_case_t *h, int n, char *out)
{
    json_t *steps = json_array();
    json_t *all = json_object_get(h->entry, "steps");
    for (int i = 0; i < n && i < (int)json_array_size(all); i++)
        json_array_append(steps, json_array_get(all, (size_t)i));
    json_t *what = json_pack("{s:s?, s:s?, s:s?, s:s?, s:o}", "received_at",
                             s_str(h->entry, "received_at"), "kind", h->kind, "priority",
                             h->priority, "category", h->category, "steps", steps);
    char *text = what ? json_dumps(what, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, (const unsigned char *)(text ? text : ""), text ? strlen(text) : 0);
    for (size_t i = 0; i < sizeof(hash); i++)
        snprintf(out + 2 * i, 3, "%02x", hash[i]);
    free(text);
    json_decref(what);
}

/* Free-text members, which keep newlines and tabs; every other string is one line. */
static bool s_multiline(const char *key)
{
    static const char *const keys[] = {"description", "reason", "result", "text", "decision",
                                       "note", NULL};
    for (int i = 0; key && keys[i]; i++)
        if (strcmp(key, keys[i]) == 0)
            return true;
    return false;
}

/* Refuses control characters in every string of v (see text.h), as intake
 * does; line ends CR LF become LF. path names v in the error. 0 / -1. */
static int s_clean_texts(h_case_t *h, json_t *v, const char *key, const char *path)
{
    char sub[160];
    if (json_is_object(v)) {
        const char *k;
        json_t *member;
        json_object_foreach(v, k, member)
        {
            snprintf(sub, sizeof(sub), "%s%s%.64s", path, path[0] ? "." : "", k);
            if (json_is_string(member) && strstr(json_string_value(member), "\r\n")) {
                char *copy = strdup(json_string_value(member));
                if (!copy)
                    return history_fail(h, "out of memory");
                text_normalize_newlines(copy);
                json_object_set_new(v, k, json_string(copy));
                free(copy);
                member = json_object_get(v, k);
            }
            if (s_clean_texts(h, member, k, sub) < 0)
                return -1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            if (s_clean_texts(h, item, key, sub) < 0)
                return -1;
        }
    } else if (json_is_string(v)) {
        size_t at = 0;
        uint32_t cp = 0;
        char why[96];
        if (strlen(json_string_value(v)) != json_string_length(v))
            return history_fail(h, "%s contains a NUL character", path);
        text_status_t st = text_check(json_string_value(v), s_multiline(key), &at, &cp);
        if (st != TEXT_OK)
            return history_fail(h, "%s %s", path, text_describe(st, at, cp, why, sizeof(why)));
    }
    return 0;
}

/* Reads the case's own fields; 0, or -1 with h->error. */
static int s_fields(h_case_t *h, json_t *e)
{
    if (!json_is_object(e))
        return history_fail(h, "an entry is a JSON object");
    h->entry = e;
    if (s_clean_texts(h, e, NULL, "") < 0)
        return -1;
    h->ref = s_str(e, "external_ref");
    h->kind = s_str(e, "kind");
    h->subject = s_str(e, "subject");
    h->responder = s_str(e, "first_responder");
    h->channel = s_str(e, "channel") ? s_str(e, "channel") : "import";
    h->category = s_str(e, "category");
    h->description = s_str(e, "description") ? s_str(e, "description") : h->subject;
    h->place = s_str(e, "place");
    json_t *req = json_object_get(e, "requester");
    h->name = s_str(req, "name");
    h->phone = s_str(req, "phone");
    h->email = s_str(req, "email");
    h->flagged = json_is_true(json_object_get(e, "flagged"));
    const char *received = s_str(e, "received_at");
    if (!h->ref)
        return history_fail(h, "external_ref is required (it keeps a re-import from doubling cases)");
    if (!h->kind || !org_kind_find(h->org, h->kind))
        return history_fail(h, "kind is complaint, report, enquiry or suggestion");
    if (!h->subject)
        return history_fail(h, "subject is required");
    if (!h->responder || !org_staff_find(h->org, h->responder))
        return history_fail(h, "first_responder must be a staff code of the org file");
    if (!org_channel_find(h->org, h->channel))
        return history_fail(h, "channel %s is not configured", h->channel);
    const org_category_t *cat = h->category ? org_category_find(h->org, h->category) : NULL;
    if (h->category && !cat)
        return history_fail(h, "category %s is not configured", h->category);
    h->priority = s_str(e, "priority") ? s_str(e, "priority")
                  : cat && cat->urgent ? "urgent"
                                       : "normal";
    if (strcmp(h->priority, "normal") != 0 && strcmp(h->priority, "urgent") != 0)
        return history_fail(h, "priority is normal or urgent");
    if (!received || calendar_parse_instant(received, &h->received) < 0)
        return history_fail(h, "received_at needs an instant with its zone, e.g. "
                         "2017-03-06T09:00:00+08:00");
    if (!json_is_array(json_object_get(e, "steps")))
        return history_fail(h, "steps is a list (it may be empty)");
    h->state = "received";
    h->updated = h->received;
    h->step = -1;
    h->nsteps = (int)json_array_size(json_object_get(e, "steps"));
    history_event(h, h->received, -1, "received", h->responder,
                  json_pack("{s:s, s:s}", "channel", h->channel, "source", H_ACTOR));
    history_event(h, h->received, -1, "triaged", H_ACTOR,
                  json_pack("{s:s?, s:s, s:s}", "category", h->category, "priority", h->priority,
                            "rule", "import"));
    return 0;
}

/* ------------------------------------------------------------- command */

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
    if (reason)
        fprintf(stderr, "entry %zu (%s): %s\n", index, ref ? ref : "no external_ref", reason);
    else if (strcmp(result, "extended") == 0)
        printf("entry %zu (%s): %d later step(s) added to %s\n", index, ref, added, number);
    else
        printf("entry %zu (%s): %s %s\n", index, ref, result, number ? number : "");
}

static void s_one(h_run_t *r, PGconn *conn, h_case_t *h, json_t *entry, size_t index)
{
    char number[40] = "";
    int added = 0;
    int rc = s_fields(h, entry) < 0 ? -1 : history_replay(h, json_object_get(entry, "steps"));
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
        fprintf(stderr, "error: %s is not a JSON array of cases: %s (line %d)\n", path,
                root ? "not an array" : err.text, root ? 1 : err.line);
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
