/* Submission validation. jansson refuses invalid UTF-8 and duplicate keys;
 * everything else is checked here so that the error names the field. */
#include "intake_request.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_fail(intake_error_t *err, int status, const char *title, const char *field,
                   const char *fmt, ...)
{
    err->status = status;
    snprintf(err->title, sizeof(err->title), "%s", title);
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

size_t intake_utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Reads an optional string member; -1 (err filled) when present but not a
 * string, empty when required, or longer than max characters. */
static int s_string(json_t *obj, const char *key, const char *path, bool required, size_t max,
                    char **out, intake_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) {
            s_fail(err, 400, "missing field", path, "%s is required", path);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v)) {
        s_fail(err, 400, "wrong type", path, "%s must be a string", path);
        return -1;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        s_fail(err, 400, "invalid text", path, "%s must not contain NUL characters", path);
        return -1;
    }
    size_t chars = intake_utf8_length(s);
    if (required && chars == 0) {
        s_fail(err, 400, "missing field", path, "%s must not be empty", path);
        return -1;
    }
    if (chars > max) {
        s_fail(err, 400, "field too long", path, "%s is longer than %zu characters", path, max);
        return -1;
    }
    if (chars == 0)
        return 0;
    *out = strdup(s);
    return *out ? 0 : -1;
}

static int s_check_phone(const char *phone, intake_error_t *err)
{
    for (const char *p = phone; *p; p++)
        if (!strchr("0123456789+- ()", *p)) {
            s_fail(err, 400, "invalid field", "requester.phone",
                   "requester.phone may hold only digits, spaces and + - ( )");
            return -1;
        }
    return 0;
}

static const char *s_known[] = {"channel", "kind", "category", "division", "subject",
                                "description", "requester", "first_responder", NULL};

static int s_check_members(json_t *root, intake_error_t *err)
{
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        bool known = false;
        for (int i = 0; s_known[i]; i++)
            known = known || strcmp(key, s_known[i]) == 0;
        if (!known) {
            s_fail(err, 400, "unexpected field", key, "%.64s is not a field of a case", key);
            return -1;
        }
    }
    return 0;
}

static int s_check_codes(const org_t *org, intake_request_t *r, intake_error_t *err)
{
    if (!org_channel_find(org, r->channel)) {
        s_fail(err, 422, "unknown channel", "channel", "channel %.40s is not one of duban's channels",
               r->channel);
        return -1;
    }
    if (!org_kind_find(org, r->kind)) {
        s_fail(err, 422, "unknown kind", "kind",
               "kind %.40s is not one of complaint, report, enquiry, suggestion", r->kind);
        return -1;
    }
    if (r->category && !org_category_find(org, r->category)) {
        s_fail(err, 422, "unknown category", "category", "category %.40s is not configured",
               r->category);
        return -1;
    }
    if (r->division && !org_division_find(org, r->division)) {
        s_fail(err, 422, "unknown division", "division", "division %.40s is not configured",
               r->division);
        return -1;
    }
    bool staffed = strcmp(r->channel, "hotline") == 0 || strcmp(r->channel, "walk-in") == 0;
    if (staffed && !r->first_responder) {
        s_fail(err, 400, "missing field", "first_responder",
               "first_responder (the operator's staff code) is required for %s cases",
               r->channel);
        return -1;
    }
    if (r->first_responder) {
        const org_staff_t *staff = org_staff_find(org, r->first_responder);
        if (!staff) {
            s_fail(err, 422, "unknown staff member", "first_responder",
                   "first_responder %.40s is not a staff member", r->first_responder);
            return -1;
        }
        if (strcmp(staff->role, "operator") != 0 && strcmp(staff->role, "clerk") != 0) {
            s_fail(err, 422, "not an acceptor", "first_responder",
                   "first_responder %.40s is a %s; only operators and clerks accept cases",
                   r->first_responder, staff->role);
            return -1;
        }
    }
    return 0;
}

intake_request_t *intake_request_parse(const org_t *org, const char *body, size_t len,
                                       intake_error_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_invalid_utf8)
            s_fail(err, 400, "invalid UTF-8", NULL, "the body is not valid UTF-8 (byte %d)",
                   jerr.position);
        else
            s_fail(err, 400, "malformed JSON", NULL, "the body is not valid JSON: %s at line %d",
                   jerr.text, jerr.line);
        return NULL;
    }
    intake_request_t *r = calloc(1, sizeof(*r));
    if (!r) {
        s_fail(err, 500, "out of memory", NULL, "try again");
        goto out_decref;
    }
    if (!json_is_object(root)) {
        s_fail(err, 400, "malformed request", NULL, "the body must be a JSON object");
        goto out_destroy;
    }
    if (s_check_members(root, err) < 0 ||
        s_string(root, "channel", "channel", true, 32, &r->channel, err) < 0 ||
        s_string(root, "kind", "kind", true, 32, &r->kind, err) < 0 ||
        s_string(root, "category", "category", false, 64, &r->category, err) < 0 ||
        s_string(root, "division", "division", false, 64, &r->division, err) < 0 ||
        s_string(root, "subject", "subject", true, INTAKE_MAX_SUBJECT, &r->subject, err) < 0 ||
        s_string(root, "description", "description", true, INTAKE_MAX_DESCRIPTION,
                 &r->description, err) < 0 ||
        s_string(root, "first_responder", "first_responder", false, 32, &r->first_responder,
                 err) < 0)
        goto out_destroy;
    json_t *requester = json_object_get(root, "requester");
    if (requester && !json_is_null(requester)) {
        if (!json_is_object(requester)) {
            s_fail(err, 400, "wrong type", "requester",
                   "requester must be an object with name and phone");
            goto out_destroy;
        }
        if (s_string(requester, "name", "requester.name", false, INTAKE_MAX_NAME,
                     &r->requester_name, err) < 0 ||
            s_string(requester, "phone", "requester.phone", false, INTAKE_MAX_PHONE,
                     &r->requester_phone, err) < 0)
            goto out_destroy;
        if (r->requester_phone && s_check_phone(r->requester_phone, err) < 0)
            goto out_destroy;
    }
    if (s_check_codes(org, r, err) < 0)
        goto out_destroy;
    json_decref(root);
    return r;

out_destroy:
    intake_request_destroy(&r);
out_decref:
    json_decref(root);
    return NULL;
}

void intake_request_destroy(intake_request_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_request_t *r = *self_p;
    free(r->channel);
    free(r->kind);
    free(r->category);
    free(r->division);
    free(r->subject);
    free(r->description);
    free(r->requester_name);
    free(r->requester_phone);
    free(r->first_responder);
    free(r);
    *self_p = NULL;
}
