/* A bulletin as the document a bureau issues (公文): who issues it, its
 * document number (文号), its issue date, whom it is addressed to (主送), who
 * receives copies (抄送) and who prints it (印发), from the `document` group
 * of the bulletin file; and which divisions are not ranked (the inspection
 * office, which supervises the others).
 *
 * Everything here is a function of the period and the file, never of the
 * clock: the issue date is the day the period is due on schedule (the first
 * working day after it ends, bulletin_schedule_due_us), and the number is
 * the period's place in its year: `prefix〔year〕n号` with n = the kind's
 * first number + the period's index in the year (March 3, Q1 first + 1 ...).
 * So a record stays byte for byte the same whenever it is produced. */
#ifndef DUBAN_BULLETIN_DOCUMENT_H
#define DUBAN_BULLETIN_DOCUMENT_H

#include "bulletin_period.h"

#include <jansson.h>
#include <stdbool.h>

#define BULLETIN_DOC_TEXT 128
#define BULLETIN_DOC_MAX_COPIES 16
#define BULLETIN_DOC_MAX_UNRANKED 8

typedef struct {
    char issuer[BULLETIN_DOC_TEXT];    /* 发文机关: 某省质量技术监督局 */
    char prefix[BULLETIN_DOC_TEXT];    /* 文号 prefix: 冀质监督 */
    int first_number[BULLETIN_KINDS];  /* a kind's periods are numbered from this + 1 */
    char addressee[BULLETIN_DOC_TEXT]; /* 主送 */
    char copies[BULLETIN_DOC_MAX_COPIES][BULLETIN_DOC_TEXT]; /* 抄送 */
    int ncopies;
    char printer[BULLETIN_DOC_TEXT]; /* 印发机关 */
    char unranked[BULLETIN_DOC_MAX_UNRANKED][64]; /* division codes left out of the ranking */
    int nunranked;
} bulletin_document_t;

/* Reads the group `document` (libconfig's config_setting_t, passed as
 * void * to keep libconfig out of this header) of the bulletin file at path
 * into doc. Returns 0, or -1 with file, line and setting logged. */
int bulletin_document_parse(const char *path, void *group, bulletin_document_t *doc);

/* True when division code is not ranked. */
bool bulletin_document_unranked(const bulletin_document_t *doc, const char *code);

/* The record's `document` object for period p issued on issue_date
 * (YYYY-MM-DD): issuer, number, title, addressee, issue date (also in
 * Chinese), copies, printer. */
json_t *bulletin_document_json(const bulletin_document_t *doc, const bulletin_period_t *p,
                               const char *issue_date);

/* The document's title, e.g. 关于2017年3月督办工作月检查情况的通报. */
void bulletin_document_title(const bulletin_period_t *p, char *buf, size_t len);

#endif
