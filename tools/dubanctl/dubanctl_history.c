/* dubanctl import-history: reading a ledger entry's own fields, checked as
 * intake checks them, and the case's digest (see dubanctl_history.h). The
 * command is dubanctl_import_history.c. */
#include "dubanctl_history.h"

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

int history_fields(h_case_t *h, json_t *e)
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
