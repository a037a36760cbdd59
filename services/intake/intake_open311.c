/* Placeholder until the Open311 endpoints land: answers in Open311's error
 * format that the endpoint is not available yet. */
#include "intake_open311.h"

int intake_open311_prepare(pg_t *pg)
{
    return 0;
}

void intake_open311_handle(intake_t *in, struct evhttp_request *req, const char *rest,
                           const char *query)
{
    http_reply_problem(req, 501, "not implemented", "Open311 is not available yet", NULL);
}
