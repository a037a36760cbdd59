/* Reading the bulletin file with libconfig; see bulletin_config.h. Numbers
 * are kept in tenths as integers so that scores are exact and the same on
 * every run. */
#include "bulletin_config.h"

#include "log.h"

#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_line(const config_setting_t *s)
{
    return s ? (int)config_setting_source_line(s) : 0;
}

/* Refuses members other than names: a misspelt setting is an error. */
static int s_only(const char *path, const config_setting_t *group, const char *where,
                  const char *const *names)
{
    for (int i = 0; i < config_setting_length(group); i++) {
        const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(m);
        bool known = false;
        for (int j = 0; names[j] && !known; j++)
            known = name && strcmp(name, names[j]) == 0;
        if (!known) {
            log_error("bulletin file: a group has a setting it does not take",
                      "file=%s line=%d group=%s setting=%s", path, s_line(m), where,
                      name ? name : "(unnamed)");
            return -1;
        }
    }
    return 0;
}

static config_setting_t *s_group(const char *path, config_setting_t *parent, const char *name,
                                 const char *where)
{
    config_setting_t *g = config_setting_get_member(parent, name);
    if (!g || !config_setting_is_group(g)) {
        log_error("bulletin file: a group is missing", "file=%s line=%d in=%s group=%s", path,
                  s_line(g ? g : parent), where, name);
        return NULL;
    }
    return g;
}

/* A number (integer or float) in [lo, hi], in tenths. */
static int s_tenths(const char *path, config_setting_t *group, const char *name, double lo,
                    double hi, int *out)
{
    config_setting_t *s = config_setting_get_member(group, name);
    int type = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64 && type != CONFIG_TYPE_FLOAT) {
        log_error("bulletin file: a number is missing", "file=%s line=%d group=%s setting=%s", path,
                  s_line(s ? s : group), config_setting_name(group), name);
        return -1;
    }
    double v = type == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                         : (double)config_setting_get_int64(s);
    if (!(v >= lo && v <= hi)) {
        log_error("bulletin file: a number is out of range",
                  "file=%s line=%d setting=%s min=%g max=%g", path, s_line(s), name, lo, hi);
        return -1;
    }
    *out = (int)lround(v * 10.0);
    return 0;
}

static int s_schedule(const char *path, config_setting_t *root, bulletin_config_t *c)
{
    static const char *names[] = {"at", "kinds", NULL};
    config_setting_t *g = s_group(path, root, "schedule", "bulletin");
    if (!g || s_only(path, g, "schedule", names) < 0)
        return -1;
    const char *at = NULL;
    int hh, mm;
    char tail;
    if (!config_setting_lookup_string(g, "at", &at) ||
        sscanf(at, "%2d:%2d%c", &hh, &mm, &tail) != 2 || strlen(at) != 5 || hh > 23 || mm > 59 ||
        hh < 0 || mm < 0) {
        log_error("bulletin file: schedule needs at = \"HH:MM\" (local time)", "file=%s line=%d",
                  path, s_line(g));
        return -1;
    }
    c->at_minute = hh * 60 + mm;
    config_setting_t *kinds = config_setting_get_member(g, "kinds");
    if (!kinds || !(config_setting_is_array(kinds) || config_setting_is_list(kinds))) {
        log_error("bulletin file: schedule needs kinds = [\"month\", ...]", "file=%s line=%d", path,
                  s_line(g));
        return -1;
    }
    for (int i = 0; i < config_setting_length(kinds); i++) {
        const char *k = config_setting_get_string_elem(kinds, i);
        bulletin_kind_t kind;
        if (!k || bulletin_kind_parse(k, &kind) < 0) {
            log_error("bulletin file: schedule kinds are month, quarter, half, year",
                      "file=%s line=%d", path, s_line(kinds));
            return -1;
        }
        c->scheduled[kind] = true;
    }
    return 0;
}

/* A number of group in [lo, hi] in tenths, or fallback_x10 when the file
 * leaves it out (settings added after files were written: the work items'). */
static int s_tenths_or(const char *path, config_setting_t *group, const char *name, double lo,
                       double hi, int fallback_x10, int *out)
{
    if (!config_setting_get_member(group, name)) {
        *out = fallback_x10;
        return 0;
    }
    return s_tenths(path, group, name, lo, hi, out);
}

static int s_score(const char *path, config_setting_t *root, bulletin_config_t *c)
{
    static const char *names[] = {"weights", "penalties", NULL};
    static const char *wnames[] = {"response",  "ontime",     "satisfaction",
                                   "workitems", "evaluation", NULL};
    static const char *pnames[] = {"overdue_open",  "groundless_return", "reopened", "alert",
                                   "report_missed", "sent_back",         NULL};
    config_setting_t *g = s_group(path, root, "score", "bulletin");
    if (!g || s_only(path, g, "score", names) < 0)
        return -1;
    config_setting_t *w = s_group(path, g, "weights", "score");
    config_setting_t *p = s_group(path, g, "penalties", "score");
    int wr, wo, ws, ww, we;
    if (!w || !p || s_only(path, w, "weights", wnames) < 0 ||
        s_only(path, p, "penalties", pnames) < 0 ||
        s_tenths(path, w, "response", 0, 100, &wr) < 0 ||
        s_tenths(path, w, "ontime", 0, 100, &wo) < 0 ||
        s_tenths(path, w, "satisfaction", 0, 100, &ws) < 0 ||
        s_tenths_or(path, w, "workitems", 0, 100, BULLETIN_DEFAULT_W_WORKITEMS * 10, &ww) < 0 ||
        s_tenths_or(path, w, "evaluation", 0, 100, BULLETIN_DEFAULT_W_EVALUATION * 10, &we) < 0 ||
        s_tenths(path, p, "overdue_open", 0, 100, &c->p_overdue_x10) < 0 ||
        s_tenths(path, p, "groundless_return", 0, 100, &c->p_groundless_x10) < 0 ||
        s_tenths(path, p, "reopened", 0, 100, &c->p_reopened_x10) < 0 ||
        s_tenths(path, p, "alert", 0, 100, &c->p_alert_x10) < 0 ||
        s_tenths_or(path, p, "report_missed", 0, 100, BULLETIN_DEFAULT_P_REPORT_MISSED_X10,
                    &c->p_report_missed_x10) < 0 ||
        s_tenths_or(path, p, "sent_back", 0, 100, BULLETIN_DEFAULT_P_SENT_BACK_X10,
                    &c->p_sent_back_x10) < 0)
        return -1;
    if (wr % 10 || wo % 10 || ws % 10 || ww % 10 || we % 10 || wr + wo + ws + ww + we == 0) {
        log_error("bulletin file: weights are whole numbers, not all zero", "file=%s line=%d", path,
                  s_line(w));
        return -1;
    }
    c->w_response = wr / 10;
    c->w_ontime = wo / 10;
    c->w_satisfaction = ws / 10;
    c->w_workitems = ww / 10;
    c->w_evaluation = we / 10;
    return 0;
}

static int s_grades(const char *path, config_setting_t *root, bulletin_config_t *c)
{
    static const char *names[] = {"grade", "min", "name", NULL};
    config_setting_t *list = config_setting_get_member(root, "grades");
    int n = list ? config_setting_length(list) : 0;
    if (!list || !config_setting_is_list(list) || n < 1 || n > BULLETIN_MAX_GRADES) {
        log_error(
            "bulletin file: bulletin needs grades = ({ grade; min; name; }, ...) with 1 to max entries",
            "file=%s line=%d max=%d", path, s_line(list ? list : root), BULLETIN_MAX_GRADES);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        bulletin_grade_t *gr = &c->grades[i];
        const char *code = NULL, *name = NULL;
        if (!config_setting_is_group(g) || s_only(path, g, "a grade", names) < 0 ||
            !config_setting_lookup_string(g, "grade", &code) ||
            !config_setting_lookup_string(g, "name", &name) || !code[0] ||
            strlen(code) >= sizeof(gr->grade) || strlen(name) >= sizeof(gr->name) ||
            s_tenths(path, g, "min", 0, 100, &gr->min_x10) < 0) {
            log_error("bulletin file: a grade needs grade (short), name and min 0..100",
                      "file=%s line=%d", path, s_line(g));
            return -1;
        }
        snprintf(gr->grade, sizeof(gr->grade), "%s", code);
        snprintf(gr->name, sizeof(gr->name), "%s", name);
        if (i > 0 && gr->min_x10 >= c->grades[i - 1].min_x10) {
            log_error("bulletin file: grades go from the highest min to the lowest",
                      "file=%s line=%d", path, s_line(g));
            return -1;
        }
    }
    c->ngrades = n;
    if (c->grades[n - 1].min_x10 != 0) {
        log_error("bulletin file: the last grade needs min = 0 so every score has one",
                  "file=%s line=%d", path, s_line(list));
        return -1;
    }
    return 0;
}

bulletin_config_t *bulletin_config_new(const char *path)
{
    static const char *top[] = {"bulletin", NULL};
    static const char *names[] = {"schedule", "sample", "score", "grades", "document", NULL};
    config_t cfg;
    config_init(&cfg);
    bulletin_config_t *c = calloc(1, sizeof(*c));
    if (!c)
        goto out_fail;
    if (!config_read_file(&cfg, path)) {
        log_error("could not read bulletin file", "file=%s line=%d err=%s", path,
                  config_error_line(&cfg),
                  config_error_text(&cfg) ? config_error_text(&cfg) : "cannot be read");
        goto out_fail;
    }
    config_setting_t *rootg = config_root_setting(&cfg);
    config_setting_t *root = config_setting_get_member(rootg, "bulletin");
    if (s_only(path, rootg, "the file", top) < 0 || !root || !config_setting_is_group(root)) {
        log_error("bulletin file: needs bulletin = { ... }", "file=%s", path);
        goto out_fail;
    }
    config_setting_t *doc = NULL;
    if (s_only(path, root, "bulletin", names) < 0 || s_schedule(path, root, c) < 0 ||
        s_score(path, root, c) < 0 || s_grades(path, root, c) < 0 ||
        !(doc = s_group(path, root, "document", "bulletin")) ||
        bulletin_document_parse(path, doc, &c->doc) < 0)
        goto out_fail;
    config_setting_t *sample = s_group(path, root, "sample", "bulletin");
    static const char *snames[] = {"percent", NULL};
    int pct;
    if (!sample || s_only(path, sample, "sample", snames) < 0 ||
        s_tenths(path, sample, "percent", 1, 100, &pct) < 0 || pct % 10) {
        log_error("bulletin file: sample needs percent = 1..100 (whole)", "file=%s", path);
        goto out_fail;
    }
    c->sample_percent = pct / 10;
    config_destroy(&cfg);
    return c;

out_fail:
    free(c);
    config_destroy(&cfg);
    return NULL;
}

void bulletin_config_destroy(bulletin_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

const char *bulletin_config_path(settings_t *st, char *buf, size_t len)
{
    settings_file(st, "bulletin_file", "bulletin.conf", buf, len);
    return buf;
}
