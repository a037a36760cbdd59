/* Open311 POST requests: an api_key check, the form's fields under their
 * Open311 names (the category's attributes as attribute[CODE], each into
 * the case field the org file names), and a case of channel "open311"
 * through intake_submit. */
#include "intake_open311_format.h"
#include "intake_open311_internal.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#define OPEN311_SUBJECT_CHARS 30 /* a case's subject: the start of its description */

/* ------------------------------------------------------------------------
 * POST requests: a new case from an Open311 client */

/* A POST waiting for its api_key check. */
typedef struct {
    intake_t *in;
    intake_open311_format_type_t fmt;
    intake_submission_t *sub;
    bool media; /* a media_url was sent (not stored) */
} post_t;

/* What intake_submit's callback needs to answer and log. */
typedef struct {
    intake_open311_format_type_t fmt;
    char client[49];      /* a client's name is at most 48 characters (dubanctl) */
    const char *location; /* "coordinates", "address" or "none" (allowed, but logged) */
    bool media;           /* a media_url was sent: not stored */
} posted_t;

const char *intake_open311_field_name(const char *field)
{
    static const char *const names[][2] = {
        {"category", "service_code"},      {"subject", "description"},
        {"requester.name", "first_name"},  {"requester.phone", "phone"},
        {"requester.email", "email"},      {"place", "address_string"},
        {"location.lat", "lat"},           {"location.long", "long"},
        {"kind", "attribute[kind]"},       {"enterprise", "attribute[enterprise]"},
        {"product", "attribute[product]"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(field, names[i][0]) == 0)
            return names[i][1];
    return field;
}

static int s_refuse(intake_error_t *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_refuse(intake_error_t *err, const char *field, const char *fmt, ...)
{
    err->status = 400;
    snprintf(err->field, sizeof(err->field), "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return -1;
}

/* A strict decimal number within [-limit, limit]: digits, one point, sign. */
static bool s_coordinate_ok(const char *s, double limit)
{
    size_t n = strlen(s);
    const char *digits = s + (s[0] == '-' || s[0] == '+');
    if (n == 0 || n > 24 || strspn(digits, "0123456789.") != strlen(digits) ||
        !strpbrk(digits, "0123456789") || strchr(digits, '.') != strrchr(digits, '.'))
        return false;
    double v = strtod(s, NULL);
    return v >= -limit && v <= limit;
}

/* The first OPEN311_SUBJECT_CHARS characters of the description, on one line. */
static char *s_subject(const char *description)
{
    char *out = malloc(OPEN311_SUBJECT_CHARS * 4 + 8); /* UTF-8: at most 4 bytes each */
    if (!out)
        return NULL;
    size_t j = 0, chars = 0;
    const char *p = description;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    for (; *p && chars < OPEN311_SUBJECT_CHARS; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80)
            chars++;
        out[j++] = (*p == '\t' || *p == '\r' || *p == '\n') ? ' ' : *p;
    }
    while (((unsigned char)*p & 0xC0) == 0x80) /* finish the last character */
        out[j++] = *p++;
    if (*p)
        j += (size_t)sprintf(out + j, "…");
    out[j] = '\0';
    return out;
}

static bool s_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* Requester's name: family name first for Chinese names ("张" + "三"),
 * given name first with a space for names written in Latin letters. */
static char *s_name(const char *first, const char *last)
{
    if (!first || !last)
        return first ? strdup(first) : last ? strdup(last) : NULL;
    size_t len = strlen(first) + strlen(last) + 2;
    char *out = malloc(len);
    if (!out)
        return NULL;
    if (s_ascii(first) && s_ascii(last))
        snprintf(out, len, "%s %s", first, last);
    else
        snprintf(out, len, "%s%s", last, first);
    return out;
}

/* *out = a copy of value (none when value is NULL); -1 when out of memory. */
static int s_dup(char **out, const char *value)
{
    *out = value ? strdup(value) : NULL;
    return value && !*out ? -1 : 0;
}

/* Appends value to *field ("; " between two answers, a space after an
 * address). -1 when out of memory. */
static int s_append(char **field, const char *value, const char *sep)
{
    if (!*field)
        return s_dup(field, value);
    size_t len = strlen(*field) + strlen(sep) + strlen(value) + 1;
    char *joined = malloc(len);
    if (!joined)
        return -1;
    snprintf(joined, len, "%s%s%s", *field, sep, value);
    free(*field);
    *field = joined;
    return 0;
}

/* The category's attributes, sent as attribute[CODE]: required ones
 * present, list values among the listed, each answer into its field of r.
 * Attributes the category does not ask for are ignored (logged). Returns 0,
 * or -1 with err filled (status 500 when out of memory). */
static int s_attributes(const org_category_t *cat, struct evkeyvalq *args, intake_request_t *r,
                        intake_error_t *err)
{
    for (int i = 0; i < cat->nattributes; i++) {
        const org_attribute_t *a = cat->attributes[i];
        char name[80];
        snprintf(name, sizeof(name), "attribute[%s]", a->code);
        const char *value = intake_open311_arg(args, name);
        if (!value && a->required)
            return s_refuse(err, name, "缺少 %s：%s为必填项，请见 services/%s.xml", name,
                            a->description, cat->code);
        if (!value)
            continue;
        if (!org_attribute_value_ok(a, value))
            return s_refuse(err, name, "%s 须为 services/%s.xml 所列的值之一", name, cat->code);
        if (intake_utf8_length(value) > INTAKE_MAX_SHORT)
            return s_refuse(err, name, "%s 最多 %d 个字", name, INTAKE_MAX_SHORT);
        char **field = a->field == ORG_FIELD_ENTERPRISE ? &r->enterprise
                       : a->field == ORG_FIELD_PRODUCT  ? &r->product
                                                        : &r->place;
        if (s_append(field, value, a->field == ORG_FIELD_PLACE ? " " : "；") < 0) {
            err->status = 500;
            return -1;
        }
    }
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, args, next)
    {
        if (strncmp(kv->key, "attribute[", 10) != 0 || strcmp(kv->key, "attribute[kind]") == 0)
            continue;
        bool asked = false;
        for (int i = 0; i < cat->nattributes && !asked; i++)
            asked = strlen(kv->key) == strlen(cat->attributes[i]->code) + 11 &&
                    strncmp(kv->key + 10, cat->attributes[i]->code,
                            strlen(cat->attributes[i]->code)) == 0;
        if (!asked)
            log_info("open311 ignored an attribute not asked for",
                     "service_code=%s attribute=%.60s", cat->code, kv->key);
    }
    return 0;
}

int intake_open311_build(const org_t *org, struct evkeyvalq *args, intake_request_t **out,
                         intake_error_t *err)
{
    const char *code = intake_open311_arg(args, "service_code"),
               *text = intake_open311_arg(args, "description");
    const char *lat = intake_open311_arg(args, "lat"), *lon = intake_open311_arg(args, "long");
    const char *kind = intake_open311_arg(args, "attribute[kind]");
    const char *first = intake_open311_arg(args, "first_name"),
               *last = intake_open311_arg(args, "last_name");
    if (!code)
        return s_refuse(err, "service_code",
                        "缺少 service_code：请填 services.xml 所列的服务代码之一");
    if (!org_category_find(org, code))
        return s_refuse(err, "service_code", "service_code 不是本局的服务代码，请见 services.xml");
    if (!text)
        return s_refuse(err, "description", "缺少 description：请写明发生了什么、在哪里");
    if (intake_utf8_length(text) > INTAKE_MAX_DESCRIPTION)
        return s_refuse(err, "description", "description 最多 %d 个字", INTAKE_MAX_DESCRIPTION);
    if ((lat && !lon) || (!lat && lon))
        return s_refuse(err, lat ? "long" : "lat", "lat 和 long 须同时提供或同时不提供");
    if (lat && !s_coordinate_ok(lat, 90))
        return s_refuse(err, "lat", "lat 须为 -90 到 90 之间的十进制数");
    if (lon && !s_coordinate_ok(lon, 180))
        return s_refuse(err, "long", "long 须为 -180 到 180 之间的十进制数");
    if ((first ? intake_utf8_length(first) : 0) + (last ? intake_utf8_length(last) : 0) >
        INTAKE_MAX_NAME)
        return s_refuse(err, "first_name", "first_name 和 last_name 合计最多 %d 个字",
                        INTAKE_MAX_NAME);
    if (kind && (!org_kind_find(org, kind)))
        return s_refuse(
            err, "attribute[kind]",
            "attribute[kind] 须为 complaint（投诉）、report（举报）、enquiry（咨询）或 suggestion（建议）");
    intake_request_t *r = calloc(1, sizeof(*r));
    if (!r || s_dup(&r->channel, "open311") < 0 || s_dup(&r->kind, kind ? kind : "complaint") < 0 ||
        s_dup(&r->category, code) < 0 || s_dup(&r->description, text) < 0 ||
        s_dup(&r->requester_phone, intake_open311_arg(args, "phone")) < 0 ||
        s_dup(&r->requester_email, intake_open311_arg(args, "email")) < 0 ||
        s_dup(&r->place, intake_open311_arg(args, "address_string")) < 0 ||
        s_dup(&r->latitude, lat) < 0 || s_dup(&r->longitude, lon) < 0 ||
        !(r->subject = s_subject(text)) ||
        ((first || last) && !(r->requester_name = s_name(first, last)))) {
        intake_request_destroy(&r);
        err->status = 500;
        snprintf(err->detail, sizeof(err->detail), "%s", INTAKE_PROBLEM_INTERNAL.detail);
        return -1;
    }
    if (s_attributes(org_category_find(org, code), args, r, err) < 0) {
        intake_request_destroy(&r);
        if (err->status == 500)
            snprintf(err->detail, sizeof(err->detail), "%s", INTAKE_PROBLEM_INTERNAL.detail);
        return -1;
    }
    intake_error_t check;
    if (intake_request_check(org, r, &check) < 0) {
        intake_refusal_t refusal;
        intake_request_destroy(&r);
        intake_problem_describe(&check, intake_open311_field_name(check.field), &refusal);
        log_info("open311 refused", "field=%s reason=%s", check.field, check.detail);
        return s_refuse(err, intake_open311_field_name(check.field), "%s", refusal.detail);
    }
    *out = r;
    return 0;
}

static void s_post_reply(http_held_t *held, intake_outcome_t outcome, const char *response,
                         const char *case_number, const intake_problem_t *problem, void *arg)
{
    posted_t *posted = arg;
    struct evhttp_request *req = held ? http_held_request(held) : NULL;
    json_t *body = response ? json_loads(response, 0, NULL) : NULL;
    const char *number = json_string_value(json_object_get(body, "case_number"));
    bool created = (outcome == INTAKE_CREATED || outcome == INTAKE_REPLAYED) && number;
    if (created)
        log_info("open311 case accepted", "case=%s client=%s location=%s media_url=%s", number,
                 posted->client, posted->location, posted->media ? "ignored" : "none");
    else
        log_warn("open311 case not stored", "client=%s status=%d", posted->client,
                 problem ? problem->status : 500);
    if (!req)
        goto out_free;
    if (created) {
        char location[128];
        snprintf(location, sizeof(location), "/open311/v2/requests/%s.%s", number,
                 posted->fmt == INTAKE_OPEN311_FORMAT_XML ? "xml" : "json");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Location", location);
        intake_open311_format_created(req, posted->fmt, number);
    } else {
        intake_open311_problem(req, posted->fmt, problem ? problem : &INTAKE_PROBLEM_INTERNAL);
    }
out_free:
    json_decref(body);
    http_release(&held);
    free(posted);
}

static void s_post_free(void *arg)
{
    post_t *p = arg;
    intake_submission_destroy(&p->sub);
    free(p);
}

static void s_client_found(struct evhttp_request *req, int64_t client_id, const char *client,
                           void *arg)
{
    post_t *p = arg;
    posted_t *posted = calloc(1, sizeof(*posted));
    if (!posted) {
        intake_open311_problem(req, p->fmt, &INTAKE_PROBLEM_INTERNAL);
        s_post_free(p);
        return;
    }
    posted->fmt = p->fmt;
    snprintf(posted->client, sizeof(posted->client), "%s", client);
    snprintf(p->sub->source, sizeof(p->sub->source), "open311:%s", posted->client);
    posted->media = p->media;
    posted->location = p->sub->req->latitude ? "coordinates"
                       : p->sub->req->place  ? "address"
                                             : "none";
    intake_submit(p->in, req, &p->sub, s_post_reply, posted);
    s_post_free(p);
}

void intake_open311_post(intake_t *in, struct evhttp_request *req, intake_open311_format_type_t fmt)
{
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    post_t *p = NULL;
    intake_error_t err = {0};
    if (intake_open311_read_form(in, req, fmt, &args) < 0)
        goto out_free;
    const char *key = intake_open311_arg(&args, "api_key");
    if (!key) {
        intake_open311_format_error(req, fmt, 403, "缺少 api_key：请向本局申请 Open311 密钥");
        goto out_free;
    }
    p = calloc(1, sizeof(*p));
    if (!p || !(p->sub = calloc(1, sizeof(*p->sub)))) {
        intake_open311_problem(req, fmt, &INTAKE_PROBLEM_INTERNAL);
        goto out_free;
    }
    if (intake_open311_build(in->org, &args, &p->sub->req, &err) < 0) {
        log_info("open311 refused post", "status=%d field=%s reason=%s", err.status, err.field,
                 err.detail);
        intake_count_refused("open311", err.status == 400 ? "invalid_request" : "refused");
        intake_open311_format_error(req, fmt, err.status, err.detail);
        goto out_free;
    }
    p->in = in;
    p->fmt = fmt;
    p->media = intake_open311_arg(&args, "media_url") != NULL;
    snprintf(p->sub->peer, sizeof(p->sub->peer), "%s", http_client_addr(req, &in->trusted_proxies));
    intake_open311_client(in, req, fmt, key, s_client_found, s_post_free, p);
    p = NULL;
out_free:
    if (p)
        s_post_free(p);
    evhttp_clear_headers(&args);
}
