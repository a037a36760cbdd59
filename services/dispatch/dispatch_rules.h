/* The rules of the division workflow, as pure decisions: given a case, the
 * task concerned, who acts and when, may the step be taken? Pure logic
 * (no I/O), unit-tested; the SQL that applies a step repeats the essential
 * guards, so a race between two steps is refused there too.
 *
 * Rules (DESIGN.md, rules 2-4): a division acts only on its own tasks; a
 * return needs a reason and the division (or outside agency) believed
 * responsible, is allowed only while the task is unsigned and inside its
 * response window, and never on a task the inspection office assigned by
 * arbitration; only the first responder informs, records the callback and
 * closes, after the reply; an extension is asked before the completion
 * deadline and decided by the inspection office; the hotline desk attaches
 * a repeat call to a case that is still open, saying what the caller said,
 * instead of filing the call as a new case. */
#ifndef DUBAN_DISPATCH_RULES_H
#define DUBAN_DISPATCH_RULES_H

#include "auth.h"
#include "duban.pb-c.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    ACTION_SIGN,
    ACTION_RETURN,
    ACTION_NOTE,
    ACTION_NEED_MATERIAL,
    ACTION_MATERIAL_ARRIVED,
    ACTION_EXTEND,
    ACTION_DECIDE_EXTENSION,
    ACTION_REPLY,
    ACTION_ARBITRATE,
    ACTION_INFORM,
    ACTION_CALLBACK,
    ACTION_CLOSE,
    ACTION_TRIAGE,
    ACTION_ATTACH_CALL,
    /* work items (dispatch_rules_workitem.c) */
    ACTION_CREATE_WORKITEM,
    ACTION_PROGRESS,
    ACTION_COMPLETE,
    ACTION_VERIFY,
    ACTION_ASK_REASSIGN,
    ACTION_REASSIGN,
    ACTION_FILE_PROBLEM,
    ACTION_REVIEW_PROBLEM,
    ACTION_UNKNOWN
} dispatch_action_t;

/* What PostgreSQL said about the case and the task the step concerns. */
typedef struct {
    int64_t case_id;
    char case_number[32];
    char case_state[16];
    char first_responder[48];
    int returns;
    bool has_task;          /* false when the actor's division holds no task */
    int64_t task_id;
    char division[64];
    char role[8];           /* lead, co */
    char task_state[16];
    bool arbitrated;
    int64_t response_due_us;
    int64_t completion_due_us;
    int64_t paused_at_us;   /* 0 when not waiting for material */
    char extension_state[16];
    /* what a step needs to build its messages and new deadlines */
    int64_t response_warn_us;
    int64_t completion_warn_us;
    int64_t extension_by_us;
    char kind[32];
    char priority[16];
    char category[64];
    char subject[256];
    char lead_division[64]; /* division of the case's latest lead task */
    /* work items (kind "workitem") */
    bool leader_assigned;   /* a leader assigned it: the division may not return it */
    char verification[16];  /* none, awaiting, accepted, sent_back */
    int64_t lead_completion_due_us; /* the latest lead task's completion deadline */
    int64_t dispatched_us;  /* the task's start: a work item's tasks begin on its start date */
} dispatch_context_t;

/* The step asked for (the fields of a TaskAction that matter here). */
typedef struct {
    dispatch_action_t action;
    const char *division;       /* return: believed responsible; arbitrate: decided */
    const char *outside_agency;
    const char *text;
    const char *satisfaction;
    const char *window;
    const char *category;
    const char *internal;       /* reply: the internal part (staff only) */
    bool grant;                 /* decide-extension; verify: accept (else send back) */
    int percent;                /* progress: percent done */
    char **attachments;         /* progress, complete: file ids uploaded to the item */
    size_t nattachments;
    const Duban__WorkItemSpec *workitem; /* create-workitem: what is to be made (NULL: none) */
} dispatch_step_t;

/* Attachments a report may name. */
#define DISPATCH_MAX_ATTACHMENTS 10

typedef struct {
    int status;        /* 200 allowed; else as HTTP: 400, 403, 404, 409, 422 */
    char message[256];
} dispatch_verdict_t;

dispatch_action_t dispatch_action_parse(const char *name);
const char *dispatch_action_str(dispatch_action_t action);

/* True for steps on a task (the actor's division's); false for steps on the
 * case as a whole (arbitrate, inform, callback, close, triage, attach-call). */
bool dispatch_action_on_task(dispatch_action_t action);

/* False for the steps that name no case: create-workitem, file-problem and
 * review-problem. */
bool dispatch_action_on_case(dispatch_action_t action);

/* Decides whether who may take step on ctx at now_us (microseconds, UTC).
 * Fills verdict; returns true when allowed. Deadlines are printed in
 * China time in refusals ("return refused: response window closed at …"). */
bool dispatch_rules_check(const dispatch_context_t *ctx, const dispatch_step_t *step,
                          const auth_identity_t *who, int64_t now_us,
                          dispatch_verdict_t *verdict);

/* True when who may take action on ctx at now_us as far as the rules can tell
 * before the step's own fields are known: the step is probed with fields
 * filled in (a reason, another division, a window), so only who, the states
 * and the deadlines decide. The case page shows a button exactly for these;
 * the step itself is still checked whole when taken. */
bool dispatch_rules_may(const dispatch_context_t *ctx, dispatch_action_t action,
                        const auth_identity_t *who, int64_t now_us);

/* For dispatch_rules_workitem.c: the verdict helper and the division check
 * the complaint steps use. */
bool dispatch_rules_verdict(dispatch_verdict_t *v, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool dispatch_rules_check_division(const dispatch_context_t *c, const auth_identity_t *who,
                                   dispatch_verdict_t *v);

/* The rules of supervised work items (督办事项, dispatch_rules_workitem.c):
 *
 *   - the inspection office (and administrators) create every kind of work
 *     item, a leader only their own instruction (source instruction, led by
 *     themselves alone); only the inspection office verifies and reassigns;
 *   - a division files progress reports (text, percent 0-100) and its
 *     completion report (complete) on its own open lead or co-handling task;
 *     a report task is met by a progress report, never acted on directly;
 *   - the item is closed (销号) only by an accepted verification of the lead
 *     division's completion report: reply, inform, callback and close are
 *     refused on a work item, and verify needs a completion report waiting;
 *     a verification sent back needs its reason and reopens the lead task
 *     with the deadline it had (the clock keeps running);
 *   - a work item a leader assigned cannot be returned: the division asks
 *     the inspection office to reassign it (ask-reassign, recorded), and the
 *     inspection office reassigns it (reassign) or not.
 *
 * True when the work-item rules decide step on ctx (a work item, or a
 * work-item step); the verdict is then in *allowed and verdict. */
bool dispatch_rules_workitem(const dispatch_context_t *ctx, const dispatch_step_t *step,
                             const auth_identity_t *who, dispatch_verdict_t *verdict,
                             bool *allowed);

/* True when the case is a work item. */
bool dispatch_rules_is_workitem(const dispatch_context_t *ctx);

/* Whether a work item as filed is whole: a ref, a source (plan, instruction,
 * meeting, problem), a title and content, a lead division not also among
 * the responsible ones (each named once), at least one lead leader for a
 * leader's instruction, a deadline after its start (starts_us 0: now_us), a
 * report rhythm (none; monthly or quarterly by a working day 1-23; every n
 * working days, 1-60: dispatch_workitem_schedule.h) and milestones
 * with titles and dates. Whether the divisions are configured and the
 * leaders are staff with the leader role is for the caller (org file,
 * PostgreSQL). Fills verdict (422 when not); true when whole. */
bool dispatch_rules_workitem_spec(const Duban__WorkItemSpec *spec, int64_t now_us,
                                  dispatch_verdict_t *verdict);

/* The problem list (问题清单): staff who take requests in (the desk, clerks)
 * and the inspection office file problems; only the inspection office
 * reviews them. A problem needs a ref, a source (visit, mailbox, survey,
 * letter, online, assessment, meeting, case; case names the complaint's
 * case number), a title and a description. An accepted problem's
 * rectification item is a whole work item with its responsible person and
 * measure (整改措施). Fill verdict; true when allowed / whole. */
bool dispatch_rules_problem_spec(const Duban__ProblemSpec *spec, dispatch_verdict_t *verdict);
bool dispatch_rules_rectification_spec(const Duban__WorkItemSpec *spec, int64_t now_us,
                                       dispatch_verdict_t *verdict);

#endif
