/* Search over cases: GET /api/v1/cases?q=TEXT&page=N&limit=N.
 *
 * What q is decides how it is looked up: a case number (DB + digits) is
 * found exactly; a phone number (only digits and + - ( ) . spaces, at least
 * PHONE_MIN_DIGITS digits) by its digits (phone.h), as duplicates are; any
 * other text by the words of the case (subject, description, place,
 * enterprise, product), every whitespace-separated term as a substring, at
 * least one term of two characters (the bigram index of migration 021).
 * Newest first, limit 1-50 (20), page 1-100.
 *
 * A text is answered from the bigram index, newest first: the index also
 * holds each case's day, and the matches are read a few days at a time from
 * the newest day back until the page and INTAKE_SEARCH_EXACT + 1 matches
 * are there, or, once the matches met say the older days hold few, all the
 * older ones at once; a division holding few cases has its own read instead
 * (case_search_newest, migration 060). A text matched by at most
 * INTAKE_SEARCH_EXACT cases has its exact total; one matched more often has
 * "more than INTAKE_SEARCH_EXACT" (total_exact false).
 *
 * Every text search reads at most intake.search_max_rows candidate cases
 * from the index (before the terms, days and division are checked), and as
 * many again by received time when a batch of days holds more than are
 * left (migration 061): 2 * intake.search_max_rows + 1 at most. When that cuts it short the answer holds every match
 * received since searched_since, "complete" is false and "notice" asks the
 * caller to narrow the search (INTAKE_SEARCH_NARROW); "examined" is how
 * many cases the search read. A phone search is bounded and says so the
 * same way: a phone with more than intake.search_max_rows cases is answered
 * from the newest of each category, as many again at most (migration 064).
 * from=YYYY-MM-DD and to=YYYY-MM-DD (days
 * received, in the bureau's zone, both included) narrow a text or phone
 * search.
 *
 * Scope (auth_may_see_all_cases): the hotline desk, the inspection office
 * and administrators search every case; a division's handlers only the
 * cases their division holds a task of. A result shows the requester only
 * to those who may see it (auth_may_see_requester). */
#ifndef DUBAN_INTAKE_SEARCH_H
#define DUBAN_INTAKE_SEARCH_H

#include "intake.h"

/* Totals are exact up to this many matches. A search reads at least one
 * match more to know it: 2,001 made a common word read 2,001 cases (and
 * their checks) for a page of 20; with 201 the same search reads about a
 * tenth as much (measured), and "more than 200" tells a desk as much. */
#define INTAKE_SEARCH_EXACT 200
#define INTAKE_SEARCH_MAX_Q 200 /* bytes */
#define INTAKE_SEARCH_MAX_TERMS 8
#define INTAKE_SEARCH_MAX_PAGE 100
#define INTAKE_SEARCH_MAX_ROWS 5000 /* intake.search_max_rows, unless set */
#define INTAKE_SEARCH_NARROW                                                                     \
    "结果太多，请缩小搜索范围：加上受理日期范围，或换一个更具体的词"

/* The handler of GET /api/v1/cases (intake_api_staff; key unused). */
void intake_search_read(intake_t *in, struct evhttp_request *req, const auth_identity_t *who,
                        const char *key, const char *query);

#endif
