/* What the HTML and Markdown bulletins say, in one place: the tables (their
 * columns and how each value is shown) and the sentences of the document,
 * built from the record. Each renderer only lays them out: HTML escapes and
 * wraps them in tags, Markdown writes pipes. */
#ifndef DUBAN_BULLETIN_RENDER_DOC_H
#define DUBAN_BULLETIN_RENDER_DOC_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    DOC_TEXT,   /* as it is */
    DOC_NUM,    /* a number, right-aligned ("—" for n/a) */
    DOC_PCT,    /* a rate with % */
    DOC_DELTA,  /* a signed difference: +2, -1.5 */
    DOC_ROLE,   /* lead/co as 主办/协办 */
    DOC_GRADE,  /* the row's grade with its name: A（好） */
} doc_kind_t;

typedef struct {
    const char *label, *path;
    doc_kind_t kind;
} doc_column_t;

typedef struct {
    const char *title; /* of the table (and of its subsection) */
    const doc_column_t *cols;
    size_t ncols;
} doc_table_t;

/* The divisions' figures, split into tables of a few columns each. */
extern const doc_table_t doc_division_tables[];
extern const size_t doc_ndivision_tables;

/* The other tables. */
extern const doc_table_t doc_totals_table, doc_ranking_table, doc_change_table,
    doc_overdue_table, doc_co_table, doc_trend_table, doc_sample_table, doc_category_table,
    doc_area_table, doc_workitem_table, doc_evaluation_table, doc_workitem_sample_table;

/* Index of doc_division_tables after which the divisions' chart goes. */
#define DOC_CHART_AFTER 1

/* The text of one cell. Writes into buf. */
const char *doc_cell(json_t *v, doc_kind_t kind, char *buf, size_t len);

/* The text of column col of row o (doc_cell of its value, or what the
 * column makes of the row). Writes into buf. */
const char *doc_row_cell(json_t *o, const doc_column_t *col, char *buf, size_t len);

/* True for kinds shown right-aligned. */
int doc_numeric(doc_kind_t kind);

/* The rows of the overall table: indicator, this period, the last. A new
 * array the caller frees (json_decref). */
json_t *doc_totals_rows(json_t *record);

/* Sentences (malloc'ed UTF-8, caller frees; NULL when out of memory or, for
 * the optional ones, when there is nothing to say). */
char *doc_intro(json_t *record);         /* 现将……通报如下。…… */
char *doc_overall(json_t *record);       /* 本期各处室共受理…… */
char *doc_unscored(json_t *record);      /* 本期未评分……: optional */
char *doc_not_ranked(json_t *record);    /* 督查室……不参加评分排名。: optional */
char *doc_workitems(json_t *record);     /* 本期督办事项应完成……项…… */
char *doc_topics_intro(json_t *record);  /* 本期受理任务……件…… */
char *doc_unplaced(json_t *record);      /* 另有……件的地点……: optional */
char *doc_sample_intro(json_t *sample);  /* 按各处室本月办结案件的……抽取…… */
char *doc_sample_cases(json_t *sample);  /* 抽查案件：……: optional */
char *doc_workitem_sample(json_t *sample); /* 按各处室本月销号的督办事项……抽查事项：…… */
char *doc_rules(json_t *scoring);        /* 综合得分＝…… */
char *doc_copies(json_t *document);      /* 抄送：……。 */

/* The notes at the end, one per line (NULL-terminated, static). */
extern const char *const doc_notes[];

/* Chinese section numbers: 一 .. 十二, and （一） .. （六）. */
const char *doc_section_number(int i);
const char *doc_subsection_number(int i);

/* The title of the named-overdue section for a record's kind. */
const char *doc_overdue_title(json_t *record);

#endif
