/* Open311 documents; see intake_open311_format.h. */
#include "intake_open311_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_NOTICE "已受理，将转交主办处室限期办理；可凭服务请求编号查询办理进度"

/* Short names for the builder, which every document here uses. */
#define s_object intake_open311_doc_object
#define s_list intake_open311_doc_list
#define s_end intake_open311_doc_end
#define s_string intake_open311_doc_string
#define s_number intake_open311_doc_number
#define s_integer intake_open311_doc_integer
#define s_bool intake_open311_doc_bool

/* value, or NULL (absent: JSON null) when it is empty. */
static const char *s_or_null(const char *value)
{
    return value && value[0] ? value : NULL;
}

void intake_open311_format_error(struct evhttp_request *req, intake_open311_format_type_t type,
                                 int status, const char *description)
{
    intake_open311_doc_t *doc = intake_open311_doc_new(type, "errors", true);
    if (doc) {
        s_object(doc, "error");
        s_integer(doc, "code", status);
        s_string(doc, "description", description);
        s_end(doc);
    }
    intake_open311_doc_reply(&doc, req, status);
}

/* ------------------------------------------------------------------------
 * Services and their definitions */

static char *s_join_keywords(const org_category_t *cat)
{
    size_t len = 1;
    for (int i = 0; i < cat->nkeywords; i++)
        len += strlen(cat->keywords[i]) + 1;
    char *out = malloc(len);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (int i = 0; i < cat->nkeywords; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, cat->keywords[i]);
    }
    return out;
}

void intake_open311_format_services(struct evhttp_request *req, intake_open311_format_type_t type,
                                    const org_t *org)
{
    intake_open311_doc_t *doc = intake_open311_doc_new(type, "services", true);
    for (int i = 0; doc && i < org->ncategories; i++) {
        const org_category_t *cat = &org->categories[i];
        const org_named_t *lead = org_division_find(org, cat->lead);
        char description[256];
        snprintf(description, sizeof(description), "%s，由%s主办", cat->name,
                 lead ? lead->name : cat->lead);
        char *keywords = s_join_keywords(cat);
        s_object(doc, "service");
        s_string(doc, "service_code", cat->code);
        s_string(doc, "service_name", cat->name);
        s_string(doc, "description", description);
        /* Every service asks attribute[kind]; most ask more (org file). */
        s_bool(doc, "metadata", true);
        s_string(doc, "type", "realtime");
        s_string(doc, "keywords", s_or_null(keywords));
        s_string(doc, "group", lead ? lead->name : NULL);
        s_end(doc);
        free(keywords);
    }
    intake_open311_doc_reply(&doc, req, 200);
}

/* Open311's explanation of a datatype, in Chinese. */
static const char *s_datatype_description(const org_attribute_t *a)
{
    if (strcmp(a->datatype, "singlevaluelist") == 0)
        return "从 values 中选一个，以 key 提交";
    if (strcmp(a->datatype, "text") == 0)
        return "多行文字";
    return "一行文字，最多 200 字";
}

void intake_open311_format_service_definition(struct evhttp_request *req,
                                              intake_open311_format_type_t type, const org_t *org,
                                              const org_category_t *cat)
{
    intake_open311_doc_t *doc = intake_open311_doc_new(type, "service_definition", false);
    if (!doc)
        goto out_reply;
    s_string(doc, "service_code", cat->code);
    s_list(doc, "attributes");
    s_object(doc, "attribute");
    s_bool(doc, "variable", true);
    s_string(doc, "code", "kind");
    s_string(doc, "datatype", "singlevaluelist");
    s_bool(doc, "required", false);
    s_string(doc, "datatype_description", "不填时按投诉（complaint）受理");
    s_integer(doc, "order", 1);
    s_string(doc, "description", "诉求类型");
    s_list(doc, "values");
    for (int i = 0; i < org->nkinds; i++) {
        s_object(doc, "value");
        s_string(doc, "key", org->kinds[i].code);
        s_string(doc, "name", org->kinds[i].name);
        s_end(doc);
    }
    s_end(doc); /* values */
    s_end(doc); /* attribute */
    for (int i = 0; i < cat->nattributes; i++) {
        const org_attribute_t *a = cat->attributes[i];
        s_object(doc, "attribute");
        s_bool(doc, "variable", true);
        s_string(doc, "code", a->code);
        s_string(doc, "datatype", a->datatype);
        s_bool(doc, "required", a->required);
        s_string(doc, "datatype_description", s_datatype_description(a));
        s_integer(doc, "order", i + 2);
        s_string(doc, "description", a->description);
        if (a->nvalues > 0) {
            s_list(doc, "values");
            for (int j = 0; j < a->nvalues; j++) {
                s_object(doc, "value");
                s_string(doc, "key", a->values[j]);
                s_string(doc, "name", a->values[j]);
                s_end(doc);
            }
            s_end(doc);
        }
        s_end(doc);
    }
out_reply:
    intake_open311_doc_reply(&doc, req, 200);
}

/* ------------------------------------------------------------------------
 * Requests */

/* Chinese status note for the public, from the case's state. */
static const char *s_status_notes(const char *state)
{
    static const char *const notes[][2] = {
        {"received", "已受理"},          {"needs_triage", "已受理，待分办"},
        {"triaged", "已受理，待转办"},   {"dispatched", "已转办"},
        {"arbitration", "督查室协调中"}, {"replied", "已办结"},
        {"informed", "已办结，已告知"},  {"closed", "已办结销号"},
        {"merged", "已并案办理"},
    };
    for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
        if (strcmp(state, notes[i][0]) == 0)
            return notes[i][1];
    return "办理中";
}

static void s_request(intake_open311_doc_t *doc, const org_t *org, PGresult *res, int i)
{
#define V(col) PQgetvalue(res, i, col)
    const char *state = V(OPEN311_REQ_STATE), *code = V(OPEN311_REQ_CATEGORY);
    const char *division = V(OPEN311_REQ_DIVISION), *status = V(OPEN311_REQ_STATUS);
    const char *merged_into = V(OPEN311_REQ_MERGED_INTO);
    const org_category_t *cat = code[0] ? org_category_find(org, code) : NULL;
    const org_named_t *agency = division[0] ? org_division_find(org, division) : NULL;
    bool merged = strcmp(state, "merged") == 0;
    bool closed = strcmp(state, "closed") == 0 || merged;
    char notes[160];
    if (merged && merged_into[0])
        snprintf(notes, sizeof(notes), "与案件 %s 反映同一事项，已并入该案件一并办理", merged_into);
    else if (merged)
        snprintf(notes, sizeof(notes), "与已受理的同一事项合并办理");
    else
        snprintf(notes, sizeof(notes), "%s", s_status_notes(state));
    s_object(doc, "request");
    s_string(doc, "service_request_id", V(OPEN311_REQ_NUMBER));
    s_string(doc, "status", closed ? "closed" : "open");
    s_string(doc, "status_notes", notes);
    s_string(doc, "service_name", cat ? cat->name : NULL);
    s_string(doc, "service_code", s_or_null(code));
    s_string(doc, "description", V(OPEN311_REQ_DESCRIPTION));
    s_string(doc, "agency_responsible", agency ? agency->name : NULL);
    s_string(doc, "service_notice", NULL);
    s_string(doc, "requested_datetime", V(OPEN311_REQ_REQUESTED));
    s_string(doc, "updated_datetime", V(OPEN311_REQ_UPDATED));
    s_string(doc, "expected_datetime", closed ? NULL : s_or_null(V(OPEN311_REQ_EXPECTED)));
    s_string(doc, "address", s_or_null(V(OPEN311_REQ_PLACE)));
    s_string(doc, "address_id", NULL);
    s_string(doc, "zipcode", NULL);
    s_number(doc, "lat", V(OPEN311_REQ_LAT));
    s_number(doc, "long", V(OPEN311_REQ_LONG));
    s_string(doc, "media_url", NULL);
    s_object(doc, "extended_attributes");
    s_string(doc, "detailed_status",
             merged      ? "DUPLICATE"
             : closed    ? "CLOSED"
             : status[0] ? status
                         : "OPEN");
    s_string(doc, "duplicate_of", s_or_null(merged_into));
    s_end(doc);
    s_end(doc);
#undef V
}

void intake_open311_format_requests(struct evhttp_request *req, intake_open311_format_type_t type,
                                    const org_t *org, PGresult *res, int limit)
{
    intake_open311_doc_t *doc = intake_open311_doc_new(type, "service_requests", true);
    for (int i = 0; doc && i < PQntuples(res) && i < limit; i++)
        s_request(doc, org, res, i);
    intake_open311_doc_reply(&doc, req, 200);
}

/* ------------------------------------------------------------------------
 * Updates */

/* The public text of an update: what happened, never who asked. */
static void s_update_text(const org_t *org, PGresult *res, int i, char *out, size_t len)
{
    const char *type = PQgetvalue(res, i, OPEN311_UPD_TYPE);
    const char *status = PQgetvalue(res, i, OPEN311_UPD_STATUS);
    const char *division = PQgetvalue(res, i, OPEN311_UPD_DIVISION);
    const char *result = PQgetvalue(res, i, OPEN311_UPD_RESULT);
    const char *merged = PQgetvalue(res, i, OPEN311_UPD_MERGED_INTO);
    const char *due = PQgetvalue(res, i, OPEN311_UPD_DUE);
    const org_named_t *div = division[0] ? org_division_find(org, division) : NULL;
    const char *name = div ? div->name : "承办单位";
    if (strcmp(type, "triaged") == 0 || strcmp(type, "needs_triage") == 0)
        snprintf(out, len, "已受理，正在确定承办单位");
    else if (strcmp(status, "INTERNAL_REFERRAL") == 0)
        snprintf(out, len, "原承办单位退回，改由%s办理%s%s%s", name, due[0] ? "，预计" : "", due,
                 due[0] ? "前办结" : "");
    else if (strcmp(type, "dispatched") == 0)
        snprintf(out, len, "已转交%s办理%s%s%s", name, due[0] ? "，预计" : "", due,
                 due[0] ? "前办结" : "");
    else if (strcmp(type, "signed") == 0)
        snprintf(out, len, "%s已签收，正在办理", name);
    else if (strcmp(type, "extension_granted") == 0)
        snprintf(out, len, "经批准延期，%s预计%s前办结", name, due);
    else if (strcmp(type, "duplicate") == 0 && merged[0])
        snprintf(out, len, "与案件 %s 反映同一事项，已并入该案件一并办理", merged);
    else if (strcmp(type, "duplicate") == 0)
        snprintf(out, len, "与已受理的同一事项合并办理");
    else if (strcmp(type, "out_of_jurisdiction") == 0)
        snprintf(out, len, "经督查室认定不属本局职责范围，已告知应向哪个部门反映");
    else if (strcmp(type, "replied") == 0 && result[0])
        snprintf(out, len, "%s已办结：%s", name, result);
    else if (strcmp(type, "replied") == 0)
        snprintf(out, len, "%s已办结", name);
    else if (strcmp(type, "closed") == 0)
        snprintf(out, len, "已办结销号");
    else
        snprintf(out, len, "复查后重新办理");
}

void intake_open311_format_updates(struct evhttp_request *req, intake_open311_format_type_t type,
                                   const org_t *org, PGresult *res, int limit)
{
    intake_open311_doc_t *doc = intake_open311_doc_new(type, "service_request_updates", true);
    /* A reply's public part is at most 4000 characters of 4 bytes. */
    size_t len = 16 * 1024 + 512;
    char *text = malloc(len);
    for (int i = 0; doc && text && i < PQntuples(res) && i < limit; i++) {
        s_update_text(org, res, i, text, len);
        s_object(doc, "request_update");
        s_string(doc, "update_id", PQgetvalue(res, i, OPEN311_UPD_ID));
        s_string(doc, "service_request_id", PQgetvalue(res, i, OPEN311_UPD_NUMBER));
        s_string(doc, "status", PQgetvalue(res, i, OPEN311_UPD_STATUS));
        s_string(doc, "updated_datetime", PQgetvalue(res, i, OPEN311_UPD_AT));
        s_string(doc, "description", text);
        s_string(doc, "media_url", NULL);
        s_end(doc);
    }
    if (!text)
        intake_open311_doc_destroy(&doc); /* the reply is then a 500 */
    free(text);
    intake_open311_doc_reply(&doc, req, 200);
}

void intake_open311_format_created(struct evhttp_request *req, intake_open311_format_type_t type,
                                   const char *case_number)
{
    intake_open311_doc_t *doc = intake_open311_doc_new(type, "service_requests", true);
    if (doc) {
        s_object(doc, "request");
        s_string(doc, "service_request_id", case_number);
        s_string(doc, "service_notice", FORMAT_NOTICE);
        s_string(doc, "account_id", NULL);
    }
    intake_open311_doc_reply(&doc, req, 201);
}

void intake_open311_format_update_stored(struct evhttp_request *req,
                                         intake_open311_format_type_t type, int status,
                                         const char *update_id)
{
    intake_open311_doc_t *doc = intake_open311_doc_new(type, "service_request_updates", true);
    if (doc) {
        s_object(doc, "request_update");
        s_string(doc, "update_id", update_id);
    }
    intake_open311_doc_reply(&doc, req, status);
}
