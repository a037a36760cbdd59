/* What the Markdown, CSV and HTML renderers share, and the writing of a
 * bulletin's files. Every renderer reads only the record (the JSON tree), so
 * a stored record can be rendered again at any time and the files of one
 * record are always the same bytes. Labels are Chinese; text is UTF-8. */
#ifndef DUBAN_BULLETIN_RENDER_H
#define DUBAN_BULLETIN_RENDER_H

#include "bulletin_render_json.h"

#include <jansson.h>
#include <stdio.h>

/* The value at a dotted path ("ontime.rate") of o, or NULL. */
json_t *bulletin_render_at(json_t *o, const char *path);

/* A value for display: integers as is, reals with one decimal, strings as
 * they are, except "n/a", which is shown as "—" (BULLETIN_NA_NOTE says
 * why), and null or missing as "—". Writes into buf. */
const char *bulletin_render_fmt(json_t *v, char *buf, size_t len);

/* Like bulletin_render_fmt with "%" after a number ("75.0%"). */
const char *bulletin_render_pct(json_t *v, char *buf, size_t len);

/* A rate or difference in tenths (-1000..1000) of a number, or BULLETIN_NA
 * when v is not a number. */
int bulletin_render_x10(json_t *v);

/* A division's name without its parenthesised part ("办公室（法规处）" ->
 * "办公室"), for charts. Writes into buf. */
const char *bulletin_render_short_name(const char *name, char *buf, size_t len);

/* Writes s to f with &, <, > and " escaped. */
void bulletin_svg_esc(FILE *f, const char *s);

/* The HTML page's charts (bulletin_render_svg.c): the divisions' on-time
 * and satisfaction rates, and the month-by-month trend (nothing for fewer
 * than two months). */
void bulletin_svg_bars(FILE *f, json_t *divisions);
void bulletin_svg_trend(FILE *f, json_t *trend);

/* The footnote every format carries for "—". */
#define BULLETIN_NA_NOTE                                                                           \
    "“—”表示该项本期没有分母（如没有应办结的任务、没有回访），既不是 0%，也不是 100%，不计入综合得分；" \
    "问责建议一栏的“—”表示违规次数未达到最低一档。"

/* Renders the record: Markdown, CSV (with a byte order mark, so
 * spreadsheets read it as UTF-8) and HTML with inline SVG charts. Each
 * returns a malloc'ed string the caller frees, or NULL when out of memory. */
char *bulletin_render_md(json_t *record, const char *digest);
char *bulletin_render_csv(json_t *record);
char *bulletin_render_html(json_t *record, const char *digest);

/* Writes LABEL.json, LABEL.md, LABEL.csv and LABEL.html into dir (created
 * when missing), each through a temporary file renamed into place, so a
 * reader never sees half a file. Returns 0, or -1 with the reason logged. */
int bulletin_render_files(const bulletin_report_t *report, const char *dir);

/* Writes the files of a stored record (its JSON text and digest) the same
 * way. Returns 0 / -1 as bulletin_render_files. */
int bulletin_render_record(const char *label, const char *json_text, const char *digest,
                           const char *dir);

#endif
