/* Reading the SLA file (see sla.h) with libconfig into fixed tables, and
 * deadline arithmetic on the business calendar. Every setting is checked
 * when read, so a typo or an impossible policy stops the service at start
 * rather than silently giving tasks no deadline or the wrong one. */
#include "sla.h"

#include "settings.h"

#include "log.h"

#include <assert.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECOND_US 1000000LL
#define SLA_MAX_POLICIES 1000 /* far more than kinds x priorities */

typedef struct {
    char name[128];
    char names[SLA_MAX_NOTIFY][32];
    const char *notify[SLA_MAX_NOTIFY + 1]; /* points into names, NULL-terminated */
    int nnotify;
} sla_level_t;

typedef struct {
    int min;
    char code[32];
    char name[64];
} sla_rung_t;

struct sla {
    int warning_percent;
    calendar_window_t escalation_period; /* working time */
    int64_t alert_repeat_us;             /* natural time */
    sla_level_t levels[SLA_MAX_LEVELS];
    int nlevels;
    int64_t ladder_period_us; /* natural time */
    sla_rung_t rungs[SLA_MAX_RUNGS];
    int nrungs;
    sla_policy_t *policies;
    int npolicies;
};

/* ---------------------------------------------------------------- reading */

static int s_line(const config_setting_t *setting)
{
    return (int)config_setting_source_line(setting);
}

/* Refuses members of group other than names, so that a misspelt setting is
 * an error rather than a default that nobody meant. */
static int s_check_names(const char *path, const config_setting_t *group, const char *where,
                         const char *const *names)
{
    for (int i = 0; i < config_setting_length(group); i++) {
        const config_setting_t *member = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(member);
        bool known = false;
        for (int j = 0; names[j] && !known; j++)
            known = strcmp(name, names[j]) == 0;
        if (!known) {
            log_error("sla file: a group has a setting it does not take",
                      "file=%s line=%d group=%s setting=%s", path, s_line(member), where, name);
            return -1;
        }
    }
    return 0;
}

/* The member name of group, which must exist and be of type (a list also
 * passes for an array and the other way round). Logs and returns NULL. */
static config_setting_t *s_member(const char *path, config_setting_t *group, const char *where,
                                  const char *name, int type, const char *shape)
{
    config_setting_t *member = config_setting_get_member(group, name);
    if (!member) {
        log_error("sla file: a setting is missing", "file=%s line=%d group=%s setting=%s shape=%s",
                  path, s_line(group), where, name, shape);
        return NULL;
    }
    int have = config_setting_type(member);
    bool aggregate = type == CONFIG_TYPE_LIST || type == CONFIG_TYPE_ARRAY;
    if (have != type &&
        !(aggregate && config_setting_is_aggregate(member) && have != CONFIG_TYPE_GROUP)) {
        log_error("sla file: a setting has the wrong type",
                  "file=%s line=%d group=%s setting=%s shape=%s", path, s_line(member), where, name,
                  shape);
        return NULL;
    }
    return member;
}

static int s_read_string(const char *path, config_setting_t *group, const char *where,
                         const char *name, char *buf, size_t len)
{
    config_setting_t *member = s_member(path, group, where, name, CONFIG_TYPE_STRING, "\"...\"");
    if (!member)
        return -1;
    const char *text = config_setting_get_string(member);
    if (!text[0] || strlen(text) >= len) {
        log_error("sla file: a setting is too long",
                  "file=%s line=%d group=%s setting=%s max_bytes=%zu", path, s_line(member), where,
                  name, len - 1);
        return -1;
    }
    memcpy(buf, text, strlen(text) + 1);
    return 0;
}

static int s_read_int(const char *path, config_setting_t *group, const char *where,
                      const char *name, int lo, int hi, int *out)
{
    config_setting_t *member = config_setting_get_member(group, name);
    if (!member) {
        log_error("sla file: a whole number is missing", "file=%s line=%d group=%s setting=%s",
                  path, s_line(group), where, name);
        return -1;
    }
    int type = config_setting_type(member);
    long long value = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64
                          ? config_setting_get_int64(member)
                          : (long long)lo - 1;
    if (value < lo || value > hi) {
        log_error("sla file: a whole number is out of range",
                  "file=%s line=%d group=%s setting=%s min=%d max=%d", path, s_line(member), where,
                  name, lo, hi);
        return -1;
    }
    *out = (int)value;
    return 0;
}

/* A window "<N><unit>" with N above 0: a zero window would be due at once. */
static int s_read_window(const char *path, config_setting_t *group, const char *where,
                         const char *name, calendar_window_t *window)
{
    config_setting_t *member =
        s_member(path, group, where, name, CONFIG_TYPE_STRING, "a window such as \"4h\"");
    if (!member)
        return -1;
    const char *text = config_setting_get_string(member);
    if (calendar_parse_window(text, window) < 0 || window->amount == 0) {
        log_error(
            "sla file: not a window such as 30s, 90m, 4h or 13d (a whole number above 0 and a unit)",
            "file=%s line=%d group=%s setting=%s value=%s", path, s_line(member), where, name,
            text);
        return -1;
    }
    return 0;
}

/* Optional "working" (the default) or "natural". */
static int s_read_clock(const char *path, config_setting_t *group, const char *where,
                        const char *name, bool *natural)
{
    *natural = false;
    if (!config_setting_get_member(group, name))
        return 0;
    char text[16];
    if (s_read_string(path, group, where, name, text, sizeof(text)) < 0)
        return -1;
    *natural = strcmp(text, "natural") == 0;
    if (!*natural && strcmp(text, "working") != 0) {
        log_error("sla file: a clock must be \"working\" or \"natural\"",
                  "file=%s line=%d group=%s setting=%s value=%s", path,
                  s_line(config_setting_get_member(group, name)), where, name, text);
        return -1;
    }
    return 0;
}

/* Natural time: a day is 24 hours whatever the calendar says. */
static int64_t s_natural_us(const calendar_window_t *window)
{
    static const int64_t unit_s[] = {1, 60, 3600, 86400};
    return window->amount * unit_s[window->unit] * SECOND_US;
}

/* The list name of parent, holding 1 to max entries; *count gets their number. */
static config_setting_t *s_list(const char *path, config_setting_t *parent, const char *where,
                                const char *name, int max, int *count)
{
    config_setting_t *list = s_member(path, parent, where, name, CONFIG_TYPE_LIST, "( {...} )");
    if (!list)
        return NULL;
    *count = config_setting_length(list);
    if (*count < 1 || *count > max) {
        log_error("sla file: a list must hold 1 to max entries",
                  "file=%s line=%d group=%s setting=%s max=%d", path, s_line(list), where, name,
                  max);
        return NULL;
    }
    return list;
}

/* Entry i of list, which must be a group holding only the given names; its
 * label for messages (e.g. "sla.levels #2") is written to where. */
static config_setting_t *s_entry(const char *path, config_setting_t *list, const char *label, int i,
                                 const char *const *names, char *where, size_t len)
{
    config_setting_t *entry = config_setting_get_elem(list, (unsigned)i);
    snprintf(where, len, "%s #%d", label, i + 1);
    if (!config_setting_is_group(entry)) {
        log_error("sla file: must be a group { name = value; ... }", "file=%s line=%d group=%s",
                  path, s_line(entry), where);
        return NULL;
    }
    return s_check_names(path, entry, where, names) < 0 ? NULL : entry;
}

static int s_read_levels(sla_t *self, const char *path, config_setting_t *sla)
{
    static const char *const names[] = {"level", "name", "notify", NULL};
    config_setting_t *list = s_list(path, sla, "sla", "levels", SLA_MAX_LEVELS, &self->nlevels);
    if (!list)
        return -1;
    for (int i = 0; i < self->nlevels; i++) {
        sla_level_t *level = &self->levels[i];
        char where[32];
        int number = 0;
        config_setting_t *entry = s_entry(path, list, "sla.levels", i, names, where, sizeof(where));
        if (!entry || s_read_int(path, entry, where, "level", 1, SLA_MAX_LEVELS, &number) < 0 ||
            s_read_string(path, entry, where, "name", level->name, sizeof(level->name)) < 0)
            return -1;
        if (number != i + 1) {
            log_error("sla file: levels must be numbered 1, 2, 3 ... in order",
                      "file=%s line=%d group=%s number=%d", path, s_line(entry), where, number);
            return -1;
        }
        config_setting_t *notify =
            s_member(path, entry, where, "notify", CONFIG_TYPE_ARRAY, "[\"inspection\", ...]");
        if (!notify)
            return -1;
        level->nnotify = config_setting_length(notify);
        if (level->nnotify < 1 || level->nnotify > SLA_MAX_NOTIFY) {
            log_error("sla file: notify must name 1 to max recipients",
                      "file=%s line=%d group=%s max=%d", path, s_line(notify), where,
                      SLA_MAX_NOTIFY);
            return -1;
        }
        for (int j = 0; j < level->nnotify; j++) {
            const char *to = config_setting_get_string_elem(notify, j);
            if (!to || !to[0] || strlen(to) >= sizeof(level->names[j])) {
                log_error("sla file: a notify entry must be a recipient code of 1 to max bytes",
                          "file=%s line=%d group=%s entry=%d max_bytes=%zu", path, s_line(notify),
                          where, j + 1, sizeof(level->names[j]) - 1);
                return -1;
            }
            memcpy(level->names[j], to, strlen(to) + 1);
            level->notify[j] = level->names[j];
        }
    }
    return 0;
}

static int s_read_ladder(sla_t *self, const char *path, config_setting_t *sla)
{
    static const char *const names[] = {"period", "rungs", NULL};
    static const char *const rung_names[] = {"min", "code", "name", NULL};
    calendar_window_t period;
    config_setting_t *ladder = s_member(path, sla, "sla", "ladder", CONFIG_TYPE_GROUP, "{...}");
    if (!ladder || s_check_names(path, ladder, "sla.ladder", names) < 0 ||
        s_read_window(path, ladder, "sla.ladder", "period", &period) < 0)
        return -1;
    self->ladder_period_us = s_natural_us(&period);
    config_setting_t *list =
        s_list(path, ladder, "sla.ladder", "rungs", SLA_MAX_RUNGS, &self->nrungs);
    if (!list)
        return -1;
    for (int i = 0; i < self->nrungs; i++) {
        sla_rung_t *rung = &self->rungs[i];
        char where[32];
        config_setting_t *entry =
            s_entry(path, list, "sla.ladder.rungs", i, rung_names, where, sizeof(where));
        if (!entry || s_read_int(path, entry, where, "min", 1, 1000000, &rung->min) < 0 ||
            s_read_string(path, entry, where, "code", rung->code, sizeof(rung->code)) < 0 ||
            s_read_string(path, entry, where, "name", rung->name, sizeof(rung->name)) < 0)
            return -1;
        if (i > 0 && rung->min <= self->rungs[i - 1].min) {
            log_error("sla file: each rung needs more violations than the one before",
                      "file=%s line=%d group=%s min=%d previous_min=%d", path, s_line(entry), where,
                      rung->min, self->rungs[i - 1].min);
            return -1;
        }
    }
    return 0;
}

static int s_read_policy(sla_t *self, const char *path, config_setting_t *list, int i)
{
    static const char *const names[] = {"kind",
                                        "priority",
                                        "response",
                                        "response_clock",
                                        "completion",
                                        "completion_clock",
                                        "from_next_working_day",
                                        NULL};
    sla_policy_t *p = &self->policies[i];
    char where[32];
    config_setting_t *entry = s_entry(path, list, "sla.policies", i, names, where, sizeof(where));
    if (!entry || s_read_string(path, entry, where, "kind", p->kind, sizeof(p->kind)) < 0 ||
        s_read_string(path, entry, where, "priority", p->priority, sizeof(p->priority)) < 0 ||
        s_read_window(path, entry, where, "response", &p->response) < 0 ||
        s_read_clock(path, entry, where, "response_clock", &p->response_natural) < 0 ||
        s_read_window(path, entry, where, "completion", &p->completion) < 0 ||
        s_read_clock(path, entry, where, "completion_clock", &p->completion_natural) < 0)
        return -1;
    config_setting_t *next = config_setting_get_member(entry, "from_next_working_day");
    if (next && config_setting_type(next) != CONFIG_TYPE_BOOL) {
        log_error("sla file: from_next_working_day must be true or false",
                  "file=%s line=%d group=%s", path, s_line(next), where);
        return -1;
    }
    p->completion_from_next = next && config_setting_get_bool(next);
    if (p->completion_from_next &&
        (p->completion.unit != CALENDAR_UNIT_DAYS || p->completion_natural)) {
        log_error(
            "sla file: from_next_working_day = true needs a completion in working days such as \"13d\" on the working clock",
            "file=%s line=%d group=%s", path, s_line(entry), where);
        return -1;
    }
    /* First match wins, so a policy an earlier one covers would never apply:
     * most likely an ordering mistake (a "*" placed before the specific kinds). */
    for (int j = 0; j < i; j++) {
        const sla_policy_t *q = &self->policies[j];
        if (strcmp(q->priority, p->priority) == 0 &&
            (strcmp(q->kind, SLA_KIND_ANY) == 0 || strcmp(q->kind, p->kind) == 0)) {
            log_error(
                "sla file: a policy can never apply: one before it matches the same tasks and the first match wins",
                "file=%s line=%d policy=%s kind=%s priority=%s before=%d before_kind=%s", path,
                s_line(entry), where, p->kind, p->priority, j + 1, q->kind);
            return -1;
        }
    }
    return 0;
}

static int s_read_policies(sla_t *self, const char *path, config_setting_t *sla)
{
    int n = 0;
    config_setting_t *list = s_list(path, sla, "sla", "policies", SLA_MAX_POLICIES, &n);
    if (!list)
        return -1;
    self->policies = calloc((size_t)n, sizeof(*self->policies));
    if (!self->policies) {
        log_error("could not read sla file: out of memory", "file=%s", path);
        return -1;
    }
    self->npolicies = n;
    for (int i = 0; i < n; i++)
        if (s_read_policy(self, path, list, i) < 0)
            return -1;
    return 0;
}

static int s_read(sla_t *self, config_t *cfg, const char *path)
{
    static const char *const root_names[] = {"sla", NULL};
    static const char *const names[] = {"warning_percent",
                                        "escalation_period",
                                        "alert_repeat",
                                        "levels",
                                        "ladder",
                                        "policies",
                                        NULL};
    config_setting_t *root = config_root_setting(cfg);
    calendar_window_t repeat;
    if (s_check_names(path, root, "the file", root_names) < 0)
        return -1;
    config_setting_t *sla = s_member(path, root, "the file", "sla", CONFIG_TYPE_GROUP, "{...}");
    if (!sla || s_check_names(path, sla, "sla", names) < 0 ||
        s_read_int(path, sla, "sla", "warning_percent", 1, 99, &self->warning_percent) < 0 ||
        s_read_window(path, sla, "sla", "escalation_period", &self->escalation_period) < 0 ||
        s_read_window(path, sla, "sla", "alert_repeat", &repeat) < 0 ||
        s_read_levels(self, path, sla) < 0 || s_read_ladder(self, path, sla) < 0 ||
        s_read_policies(self, path, sla) < 0)
        return -1;
    self->alert_repeat_us = s_natural_us(&repeat);
    return 0;
}

sla_t *sla_new(const char *path)
{
    assert(path);
    config_t cfg;
    config_init(&cfg);
    sla_t *self = calloc(1, sizeof(*self));
    if (!self) {
        log_error("could not read sla file: out of memory", "file=%s", path);
        goto out_config;
    }
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        log_error("could not read sla file", "file=%s line=%d err=%s", path,
                  config_error_line(&cfg), config_error_text(&cfg));
        goto out_free_self;
    }
    if (s_read(self, &cfg, path) < 0)
        goto out_free_self;
    config_destroy(&cfg);
    return self;

out_free_self:
    sla_destroy(&self);
out_config:
    config_destroy(&cfg);
    return NULL;
}

void sla_destroy(sla_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->policies);
    free(*self_p);
    *self_p = NULL;
}

/* ---------------------------------------------------------------- lookups */

const sla_policy_t *sla_policy_find(const sla_t *self, const char *kind, const char *priority)
{
    assert(self && kind && priority);
    for (int i = 0; i < self->npolicies; i++) {
        const sla_policy_t *p = &self->policies[i];
        if (strcmp(p->priority, priority) == 0 &&
            (strcmp(p->kind, SLA_KIND_ANY) == 0 || strcmp(p->kind, kind) == 0))
            return p;
    }
    return NULL;
}

/* The instant percent of the working time from start to due has passed,
 * split so that the product cannot overflow for spans up to year 9999. */
static int64_t s_warn_at(const calendar_t *cal, int percent, int64_t start_us, int64_t due_us)
{
    if (due_us == CALENDAR_NEVER)
        return CALENDAR_NEVER;
    int64_t span = calendar_working_between(cal, start_us, due_us);
    return calendar_add_working(cal, start_us, span / 100 * percent + span % 100 * percent / 100);
}

int sla_deadlines(const sla_t *self, const calendar_t *working, const calendar_t *natural,
                  const char *kind, const char *priority, int64_t start_us, sla_deadlines_t *out)
{
    assert(self && working && natural && out);
    const sla_policy_t *p = sla_policy_find(self, kind, priority);
    if (!p)
        return -1;
    const calendar_t *cal = p->response_natural ? natural : working;
    out->response_due_us =
        calendar_add_working(cal, start_us, calendar_window_us(cal, &p->response));
    out->response_warn_us = s_warn_at(cal, self->warning_percent, start_us, out->response_due_us);
    cal = p->completion_natural ? natural : working;
    if (p->completion_from_next)
        out->completion_due_us =
            calendar_add_days_from_next(cal, start_us, (int)p->completion.amount);
    else
        out->completion_due_us =
            calendar_add_working(cal, start_us, calendar_window_us(cal, &p->completion));
    out->completion_warn_us =
        s_warn_at(cal, self->warning_percent, start_us, out->completion_due_us);
    return 0;
}

int sla_warning_percent(const sla_t *self)
{
    assert(self);
    return self->warning_percent;
}

int64_t sla_escalation_period_us(const sla_t *self, const calendar_t *working)
{
    assert(self && working);
    return calendar_window_us(working, &self->escalation_period);
}

int64_t sla_alert_repeat_us(const sla_t *self)
{
    assert(self);
    return self->alert_repeat_us;
}

int sla_level_count(const sla_t *self)
{
    assert(self);
    return self->nlevels;
}

int sla_level_for_alert(const sla_t *self, int nth_alert)
{
    assert(self);
    if (nth_alert < 1)
        return 1;
    return nth_alert < self->nlevels ? nth_alert : self->nlevels;
}

const char *sla_level_name(const sla_t *self, int level)
{
    assert(self);
    if (level < 1 || level > self->nlevels)
        return NULL;
    return self->levels[level - 1].name;
}

const char *const *sla_level_notify(const sla_t *self, int level, int *count)
{
    assert(self && count);
    *count = 0;
    if (level < 1 || level > self->nlevels)
        return NULL;
    *count = self->levels[level - 1].nnotify;
    return self->levels[level - 1].notify;
}

int64_t sla_ladder_period_us(const sla_t *self)
{
    assert(self);
    return self->ladder_period_us;
}

const char *sla_ladder_rung(const sla_t *self, int violations, const char **name)
{
    assert(self);
    const sla_rung_t *reached = NULL;
    for (int i = 0; i < self->nrungs && violations >= self->rungs[i].min; i++)
        reached = &self->rungs[i];
    if (name)
        *name = reached ? reached->name : NULL;
    return reached ? reached->code : NULL;
}

sla_t *sla_from_settings(struct settings *settings)
{
    char path[4096];
    return sla_new(settings_file(settings, "sla_file", "sla.conf", path, sizeof(path)));
}
