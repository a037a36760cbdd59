/* Triage's decision for one case: its category and priority, or the manual
 * queue when nothing matches with confidence. Pure logic, unit-tested. */
#ifndef DUBAN_TRIAGE_RULE_H
#define DUBAN_TRIAGE_RULE_H

#include "org.h"

typedef enum { TRIAGE_ROUTED, TRIAGE_MANUAL } triage_outcome_t;

typedef struct {
    triage_outcome_t outcome;
    const org_category_t *category; /* NULL for TRIAGE_MANUAL */
    const char *priority;           /* "normal" or "urgent" */
    char rule[96];                  /* "requester", "keyword:电梯", "no match" */
} triage_decision_t;

/* The requester's (or operator's) category wins; otherwise the first keyword
 * found in subject, then in description; otherwise the manual queue. The
 * priority is urgent when the category is (safety at stake) or when the desk
 * judged the case urgent (priority "urgent"), whatever the category. */
void triage_rule_decide(const org_t *org, const char *category, const char *subject,
                        const char *description, const char *priority,
                        triage_decision_t *out);

const char *triage_outcome_str(triage_outcome_t outcome);

#endif
