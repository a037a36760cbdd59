#include "triage_rule.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void triage_rule_decide(const org_t *org, const char *category, const char *subject,
                        const char *description, const char *priority,
                        triage_decision_t *out)
{
    bool urgent = priority && strcmp(priority, "urgent") == 0;
    memset(out, 0, sizeof(*out));
    const char *keyword = NULL;
    const org_category_t *c = NULL;
    if (category && category[0]) {
        c = org_category_find(org, category);
        snprintf(out->rule, sizeof(out->rule), "requester");
    }
    if (!c && subject && (c = org_category_match(org, subject, &keyword)))
        snprintf(out->rule, sizeof(out->rule), "keyword:%s", keyword);
    if (!c && description && (c = org_category_match(org, description, &keyword)))
        snprintf(out->rule, sizeof(out->rule), "keyword:%s", keyword);
    if (!c) {
        out->outcome = TRIAGE_MANUAL;
        out->priority = urgent ? "urgent" : "normal";
        snprintf(out->rule, sizeof(out->rule), "no match");
        return;
    }
    out->outcome = TRIAGE_ROUTED;
    out->category = c;
    out->priority = c->urgent || urgent ? "urgent" : "normal";
}

const char *triage_outcome_str(triage_outcome_t outcome)
{
    return outcome == TRIAGE_ROUTED ? "routed" : "manual";
}
