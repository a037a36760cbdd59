/* Submission validation. jansson refuses invalid UTF-8 and duplicate keys;
 * everything else is checked here so that the error names the field. */
#include "intake_request.h"

#include "text.h"

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

static int s_check_phone(const char *phone, const char *field, intake_error_t *err)
{
    for (const char *p = phone; *p; p++)
        if (!strchr("0123456789+- ()", *p)) {
            s_fail(err, 400, "invalid field", field,
                   "%s may hold only digits, spaces and + - ( )", field);
            return -1;
        }
    return 0;
}

static const char *s_known[] = {"channel",   "kind",       "category",     "division",
                                "subject",   "description", "requester",   "first_responder",
                                "callback_phone", "place",  "enterprise",   "product",
                                "location",  "external_ref", "received_at", "confidential",
                                "priority",  NULL};

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

static int s_check_length(const char *value, const char *field, size_t max, bool required,
                          intake_error_t *err)
{
    if (!value) {
        if (required) {
            s_fail(err, 400, "missing field", field, "%s is required", field);
            return -1;
        }
        return 0;
    }
    size_t chars = intake_utf8_length(value);
    if (required && chars == 0) {
        s_fail(err, 400, "missing field", field, "%s must not be empty", field);
        return -1;
    }
    if (chars > max) {
        s_fail(err, 400, "field too long", field, "%s is longer than %zu characters", field, max);
        return -1;
    }
    return 0;
}

static int s_check_coordinate(const char *value, const char *field, double limit,
                              intake_error_t *err)
{
    if (!value)
        return 0;
    char *end = NULL;
    double v = strtod(value, &end);
    if (!end || *end || end == value || v < -limit || v > limit) {
        s_fail(err, 400, "invalid field", field, "%s must be a number between %g and %g", field,
               -limit, limit);
        return -1;
    }
    return 0;
}

/* The value of n decimal digits at s; -1 when one is not a digit (it stops
 * at the first, so it never reads past the end of s). */
static int s_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool intake_request_time_ok(const char *s)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec = 0;
    if ((y = s_digits(s, 4)) < 0 || s[4] != '-' || (mo = s_digits(s + 5, 2)) < 0 || s[7] != '-' ||
        (d = s_digits(s + 8, 2)) < 0 || (s[10] != 'T' && s[10] != ' ') ||
        (h = s_digits(s + 11, 2)) < 0 || s[13] != ':' || (mi = s_digits(s + 14, 2)) < 0)
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        if ((sec = s_digits(p + 1, 2)) < 0)
            return false;
        p += 3;
        if (*p == '.') {
            size_t n = strspn(p + 1, "0123456789");
            if (n == 0 || n > 6)
                return false;
            p += 1 + n;
        }
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int zh = s_digits(p + 1, 2), zm = 0;
        if (zh < 0 || zh > 14)
            return false;
        p += 3;
        if (*p == ':' && (zm = s_digits(p + 1, 2)) >= 0)
            p += 3;
        if (zm < 0 || zm > 59)
            return false;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int month_days = mo >= 1 && mo <= 12 ? days[mo - 1] + (mo == 2 && leap) : 0;
    return *p == '\0' && y >= INTAKE_MIN_YEAR && y <= INTAKE_MAX_YEAR && d >= 1 &&
           d <= month_days && h <= 23 && mi <= 59 && sec <= 59;
}

static int s_check_timestamp(const char *value, intake_error_t *err)
{
    /* Checked whole here, so that PostgreSQL never refuses it. */
    if (value && !intake_request_time_ok(value)) {
        s_fail(err, 400, "invalid field", "received_at",
               "received_at must be an RFC 3339 time such as 2017-03-01T09:30:00+08:00, "
               "on a real date in the years %d to %d",
               INTAKE_MIN_YEAR, INTAKE_MAX_YEAR);
        return -1;
    }
    return 0;
}

/* Refuses invalid UTF-8 and control characters in field (see text.h); only
 * a multi-line field keeps newlines and tabs. Line ends CR LF, as forms and
 * Open311 clients send them, become LF first. */
static int s_check_text(char *value, const char *field, bool multiline, intake_error_t *err)
{
    if (!value)
        return 0;
    text_normalize_newlines(value);
    size_t at = 0;
    uint32_t cp = 0;
    text_status_t st = text_check(value, multiline, &at, &cp);
    if (st == TEXT_OK)
        return 0;
    char why[96];
    s_fail(err, 400, st == TEXT_CONTROL ? "control character" : "invalid UTF-8", field,
           "%s %s%s", field, text_describe(st, at, cp, why, sizeof(why)),
           st == TEXT_CONTROL && !multiline ? "; this field is one line of text"
                                            : "; only newlines and tabs are allowed");
    return -1;
}

static int s_check_texts(intake_request_t *r, intake_error_t *err)
{
    struct {
        char *value;
        const char *field;
    } single[] = {{r->channel, "channel"},
                  {r->kind, "kind"},
                  {r->category, "category"},
                  {r->division, "division"},
                  {r->subject, "subject"},
                  {r->requester_name, "requester.name"},
                  {r->requester_phone, "requester.phone"},
                  {r->requester_email, "requester.email"},
                  {r->callback_phone, "callback_phone"},
                  {r->place, "place"},
                  {r->enterprise, "enterprise"},
                  {r->product, "product"},
                  {r->latitude, "location.lat"},
                  {r->longitude, "location.long"},
                  {r->external_ref, "external_ref"},
                  {r->received_at, "received_at"},
                  {r->first_responder, "first_responder"},
                  {r->priority, "priority"}};
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        if (s_check_text(single[i].value, single[i].field, false, err) < 0)
            return -1;
    return s_check_text(r->description, "description", true, err);
}

static int s_check_fields(intake_request_t *r, intake_error_t *err)
{
    if (s_check_texts(r, err) < 0)
        return -1;
    if (s_check_length(r->channel, "channel", 32, true, err) < 0 ||
        s_check_length(r->kind, "kind", 32, true, err) < 0 ||
        s_check_length(r->subject, "subject", INTAKE_MAX_SUBJECT, true, err) < 0 ||
        s_check_length(r->description, "description", INTAKE_MAX_DESCRIPTION, true, err) < 0 ||
        s_check_length(r->requester_name, "requester.name", INTAKE_MAX_NAME, false, err) < 0 ||
        s_check_length(r->requester_phone, "requester.phone", INTAKE_MAX_PHONE, false, err) < 0 ||
        s_check_length(r->requester_email, "requester.email", INTAKE_MAX_SHORT, false, err) < 0 ||
        s_check_length(r->callback_phone, "callback_phone", INTAKE_MAX_PHONE, false, err) < 0 ||
        s_check_length(r->place, "place", INTAKE_MAX_SHORT, false, err) < 0 ||
        s_check_length(r->enterprise, "enterprise", INTAKE_MAX_SHORT, false, err) < 0 ||
        s_check_length(r->product, "product", INTAKE_MAX_SHORT, false, err) < 0 ||
        s_check_length(r->external_ref, "external_ref", 64, false, err) < 0 ||
        s_check_coordinate(r->latitude, "location.lat", 90, err) < 0 ||
        s_check_coordinate(r->longitude, "location.long", 180, err) < 0 ||
        s_check_timestamp(r->received_at, err) < 0)
        return -1;
    if (r->requester_phone && s_check_phone(r->requester_phone, "requester.phone", err) < 0)
        return -1;
    if (r->callback_phone && s_check_phone(r->callback_phone, "callback_phone", err) < 0)
        return -1;
    if (r->priority && strcmp(r->priority, "urgent") != 0 && strcmp(r->priority, "normal") != 0) {
        s_fail(err, 422, "invalid field", "priority", "priority is urgent or normal");
        return -1;
    }
    if (r->requester_email && !strchr(r->requester_email, '@')) {
        s_fail(err, 400, "invalid field", "requester.email", "requester.email must be an e-mail address");
        return -1;
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
            s_fail(err, 400, "malformed JSON", NULL, "the body is not valid JSON: %s",
                   text_json_err(&jerr));
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
                 err) < 0 ||
        s_string(root, "callback_phone", "callback_phone", false, INTAKE_MAX_PHONE,
                 &r->callback_phone, err) < 0 ||
        s_string(root, "place", "place", false, INTAKE_MAX_SHORT, &r->place, err) < 0 ||
        s_string(root, "enterprise", "enterprise", false, INTAKE_MAX_SHORT, &r->enterprise, err) <
            0 ||
        s_string(root, "product", "product", false, INTAKE_MAX_SHORT, &r->product, err) < 0 ||
        s_string(root, "external_ref", "external_ref", false, 64, &r->external_ref, err) < 0 ||
        s_string(root, "received_at", "received_at", false, 40, &r->received_at, err) < 0 ||
        s_string(root, "priority", "priority", false, 16, &r->priority, err) < 0)
        goto out_destroy;
    json_t *confidential = json_object_get(root, "confidential");
    if (confidential && !json_is_boolean(confidential) && !json_is_null(confidential)) {
        s_fail(err, 400, "wrong type", "confidential", "confidential must be true or false");
        goto out_destroy;
    }
    r->confidential = json_is_true(confidential);
    json_t *location = json_object_get(root, "location");
    if (location && !json_is_null(location)) {
        json_t *lat = json_object_get(location, "lat"), *lon = json_object_get(location, "long");
        if (!json_is_object(location) || !json_is_number(lat) || !json_is_number(lon)) {
            s_fail(err, 400, "wrong type", "location",
                   "location must be an object with numbers lat and long");
            goto out_destroy;
        }
        char buf[32];
        snprintf(buf, sizeof(buf), "%.7f", json_number_value(lat));
        r->latitude = strdup(buf);
        snprintf(buf, sizeof(buf), "%.7f", json_number_value(lon));
        r->longitude = strdup(buf);
    }
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
                     &r->requester_phone, err) < 0 ||
            s_string(requester, "email", "requester.email", false, INTAKE_MAX_SHORT,
                     &r->requester_email, err) < 0)
            goto out_destroy;
        json_t *anonymous = json_object_get(requester, "anonymous");
        if (anonymous && !json_is_boolean(anonymous)) {
            s_fail(err, 400, "wrong type", "requester.anonymous",
                   "requester.anonymous must be true or false");
            goto out_destroy;
        }
        r->anonymous = json_is_true(anonymous);
    }
    if (intake_request_check(org, r, err) < 0)
        goto out_destroy;
    json_decref(root);
    return r;

out_destroy:
    intake_request_destroy(&r);
out_decref:
    json_decref(root);
    return NULL;
}

int intake_request_check(const org_t *org, intake_request_t *r, intake_error_t *err)
{
    if (s_check_fields(r, err) < 0 || s_check_codes(org, r, err) < 0)
        return -1;
    if (r->anonymous) {
        /* An anonymous requester is not named anywhere, whatever was typed. */
        free(r->requester_name);
        r->requester_name = NULL;
    }
    return 0;
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
    free(r->requester_email);
    free(r->callback_phone);
    free(r->priority);
    free(r->place);
    free(r->enterprise);
    free(r->product);
    free(r->latitude);
    free(r->longitude);
    free(r->external_ref);
    free(r->received_at);
    free(r->first_responder);
    free(r);
    *self_p = NULL;
}
