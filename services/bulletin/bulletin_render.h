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
 * they are ("n/a"), null or missing as "—". Writes into buf. */
const char *bulletin_render_fmt(json_t *v, char *buf, size_t len);

/* Like bulletin_render_fmt with "%" after a number ("75.0%"). */
const char *bulletin_render_pct(json_t *v, char *buf, size_t len);

/* A rate or difference in tenths (-1000..1000) of a number, or BULLETIN_NA
 * when v is not a number. */
int bulletin_render_x10(json_t *v);

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
