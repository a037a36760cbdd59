/* What a console page is told live, from the bus's messages: each envelope
 * becomes one Server-Sent Event with a name and a JSON body
 *   task      a task dispatched to a division (TaskDispatched)
 *   warning   a deadline warning for a division (DeadlineWarning)
 *   notice    a step of a case (CaseNotice: sign, reply, return, ...)
 *   alert     an escalation alert for the inspection office
 *   alert_ack an alert acknowledged
 * Every body has case_number, task_id and "at" (the commit time, RFC 3339,
 * and at_us), plus the fields of its message; times are UTC. Messages of
 * other types are not shown (NULL). */
#ifndef DUBAN_WEB_EVENT_H
#define DUBAN_WEB_EVENT_H

#include <stddef.h>

/* Turns a packed envelope into an event: *name points to a static string,
 * the returned JSON text is malloc'ed (caller frees). NULL when the message
 * is malformed or not shown. */
char *web_event_from_envelope(const void *data, size_t len, const char **name);

#endif
