/* The bulletin as a document; see bulletin_document.h. */
#include "bulletin_document.h"

#include "log.h"

#include <libconfig.h>
#include <stdio.h>
#include <string.h>

static const char *s_kind_keys[BULLETIN_KINDS] = {"month", "quarter", "half", "year"};
static const char *s_cn_digits[] = {"零", "一", "二", "三", "四"};

static int s_line(const config_setting_t *s)
{
    return s ? (int)config_setting_source_line(s) : 0;
}

/* A string member of at most BULLETIN_DOC_TEXT - 1 bytes, not empty. */
static int s_text(const char *path, config_setting_t *g, const char *name, char *out)
{
    const char *v = NULL;
    if (!config_setting_lookup_string(g, name, &v) || !v[0] || strlen(v) >= BULLETIN_DOC_TEXT) {
        log_error("bulletin file: document needs a text (not empty, under max bytes)",
                  "file=%s line=%d setting=%s max=%d", path, s_line(g), name, BULLETIN_DOC_TEXT);
        return -1;
    }
    snprintf(out, BULLETIN_DOC_TEXT, "%s", v);
    return 0;
}

static int s_strings(const char *path, config_setting_t *g, const char *name, char *out,
                     size_t width, int max, int *n)
{
    config_setting_t *a = config_setting_get_member(g, name);
    if (!a || !(config_setting_is_array(a) || config_setting_is_list(a)) ||
        config_setting_length(a) > max) {
        log_error("bulletin file: document needs a list of texts (at most max)",
                  "file=%s line=%d setting=%s max=%d", path, s_line(a ? a : g), name, max);
        return -1;
    }
    *n = 0;
    for (int i = 0; i < config_setting_length(a); i++) {
        const char *v = config_setting_get_string_elem(a, i);
        if (!v || !v[0] || strlen(v) >= width) {
            log_error("bulletin file: document list holds non-empty strings",
                      "file=%s line=%d setting=%s", path, s_line(a), name);
            return -1;
        }
        snprintf(out + (size_t)i * width, width, "%s", v);
        (*n)++;
    }
    return 0;
}

int bulletin_document_parse(const char *path, void *group, bulletin_document_t *doc)
{
    static const char *names[] = {"issuer", "number", "addressee", "copy_to", "printer",
                                  "unranked", NULL};
    config_setting_t *g = group;
    memset(doc, 0, sizeof(*doc));
    for (int i = 0; i < config_setting_length(g); i++) {
        const char *name = config_setting_name(config_setting_get_elem(g, (unsigned)i));
        bool known = false;
        for (int j = 0; names[j] && !known; j++)
            known = name && strcmp(name, names[j]) == 0;
        if (!known) {
            log_error("bulletin file: document does not take a setting",
                      "file=%s line=%d setting=%s", path,
                      s_line(config_setting_get_elem(g, (unsigned)i)), name ? name : "(unnamed)");
            return -1;
        }
    }
    if (s_text(path, g, "issuer", doc->issuer) < 0 ||
        s_text(path, g, "addressee", doc->addressee) < 0 ||
        s_text(path, g, "printer", doc->printer) < 0 ||
        s_strings(path, g, "copy_to", &doc->copies[0][0], BULLETIN_DOC_TEXT,
                  BULLETIN_DOC_MAX_COPIES, &doc->ncopies) < 0 ||
        s_strings(path, g, "unranked", &doc->unranked[0][0], sizeof(doc->unranked[0]),
                  BULLETIN_DOC_MAX_UNRANKED, &doc->nunranked) < 0)
        return -1;
    config_setting_t *num = config_setting_get_member(g, "number");
    if (!num || !config_setting_is_group(num) || s_text(path, num, "prefix", doc->prefix) < 0) {
        log_error(
            "bulletin file: document needs number = { prefix = \"...\"; month = 0; quarter = 12; half = 16; year = 18; }",
            "file=%s line=%d", path, s_line(num ? num : g));
        return -1;
    }
    for (int k = 0; k < BULLETIN_KINDS; k++) {
        int v = 0;
        if (!config_setting_lookup_int(num, s_kind_keys[k], &v) || v < 0 || v > 9000) {
            log_error(
                "bulletin file: document number needs 0..9000 (the number before the kind's first period)",
                "file=%s line=%d setting=%s", path, s_line(num), s_kind_keys[k]);
            return -1;
        }
        doc->first_number[k] = v;
    }
    if (config_setting_length(num) != BULLETIN_KINDS + 1) {
        log_error("bulletin file: document number takes prefix, month, quarter, half and year only",
                  "file=%s line=%d", path, s_line(num));
        return -1;
    }
    return 0;
}

bool bulletin_document_unranked(const bulletin_document_t *doc, const char *code)
{
    for (int i = 0; i < doc->nunranked; i++)
        if (strcmp(doc->unranked[i], code) == 0)
            return true;
    return false;
}

/* The period's place in its year: month 1..12, quarter 1..4, half 1..2. */
static int s_index(const bulletin_period_t *p)
{
    return (p->first_month - 1) / p->months + 1;
}

void bulletin_document_title(const bulletin_period_t *p, char *buf, size_t len)
{
    int i = s_index(p);
    switch (p->kind) {
    case BULLETIN_MONTH:
        snprintf(buf, len, "关于%d年%d月督办工作月检查情况的通报", p->year, i);
        break;
    case BULLETIN_QUARTER:
        snprintf(buf, len, "关于%d年第%s季度督办工作情况的通报", p->year, s_cn_digits[i]);
        break;
    case BULLETIN_HALF:
        snprintf(buf, len, "关于%d年%s半年督办工作情况的通报", p->year, i == 1 ? "上" : "下");
        break;
    default:
        snprintf(buf, len, "关于%d年度督办工作年终总评情况的通报", p->year);
    }
}

/* The period as the text names it: 2017年3月, 2017年第一季度, 2017年上半年, 2017年. */
static void s_period_name(const bulletin_period_t *p, char *buf, size_t len)
{
    int i = s_index(p);
    if (p->kind == BULLETIN_MONTH)
        snprintf(buf, len, "%d年%d月", p->year, i);
    else if (p->kind == BULLETIN_QUARTER)
        snprintf(buf, len, "%d年第%s季度", p->year, s_cn_digits[i]);
    else if (p->kind == BULLETIN_HALF)
        snprintf(buf, len, "%d年%s半年", p->year, i == 1 ? "上" : "下");
    else
        snprintf(buf, len, "%d年", p->year);
}

/* "2017-03-31" as 2017年3月31日. */
static void s_date_cn(const char *date, char *buf, size_t len)
{
    int y = 0, m = 0, d = 0;
    if (sscanf(date, "%d-%d-%d", &y, &m, &d) == 3)
        snprintf(buf, len, "%d年%d月%d日", y, m, d);
    else
        snprintf(buf, len, "%s", date);
}

json_t *bulletin_document_json(const bulletin_document_t *doc, const bulletin_period_t *p,
                               const char *issue_date)
{
    char number[BULLETIN_DOC_TEXT + 32], title[160], date_cn[48];
    snprintf(number, sizeof(number), "%s〔%d〕%d号", doc->prefix, p->year,
             doc->first_number[p->kind] + s_index(p));
    bulletin_document_title(p, title, sizeof(title));
    char name[64], from[24], to[24], from_cn[48], to_cn[48];
    s_date_cn(issue_date, date_cn, sizeof(date_cn));
    s_period_name(p, name, sizeof(name));
    int ly, lm, days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bulletin_period_month(p, p->months - 1, &ly, &lm);
    int last = days[lm - 1] + (lm == 2 && (ly % 4 == 0 && (ly % 100 != 0 || ly % 400 == 0)));
    snprintf(from, sizeof(from), "%04d-%02d-01", p->year, p->first_month);
    snprintf(to, sizeof(to), "%04d-%02d-%02d", ly, lm, last);
    s_date_cn(from, from_cn, sizeof(from_cn));
    s_date_cn(to, to_cn, sizeof(to_cn));
    json_t *copies = json_array();
    for (int i = 0; i < doc->ncopies; i++)
        json_array_append_new(copies, json_string(doc->copies[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "issuer",
                     doc->issuer, "number", number, "title", title, "period_name", name,
                     "from_cn", from_cn, "to_cn", to_cn, "addressee", doc->addressee,
                     "issue_date", issue_date, "issue_date_cn", date_cn, "copy_to", copies,
                     "printer", doc->printer);
}
