/* See import_csv.h. */
#include "import_csv.h"

#include "text.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_COLUMNS 32

const char *const import_csv_columns[] = {
    "external_ref", "channel",  "kind",        "subject",         "description",
    "category",     "division", "place",       "enterprise",      "product",
    "first_responder", "received_at", "callback_phone", "requester_name", "requester_phone",
    "requester_email", NULL};

struct import_csv {
    struct csv_parser parser;
    import_csv_row_fn row;
    void *arg;
    char *fields[IMPORT_MAX_COLUMNS];
    int nfields;   /* kept */
    int counted;   /* seen in the row, kept or not */
    int columns[IMPORT_MAX_COLUMNS]; /* header position -> index in import_csv_columns, -1 unknown */
    int ncolumns;
    bool have_header;
    bool at_line_start;
    bool pending_cr; /* the last byte fed was a CR */
    long row_line; /* physical line where the current row started */
    long line;     /* physical line being fed */
    char *error;
};

static void s_set_error(import_csv_t *self, const char *fmt, const char *what)
{
    if (self->error)
        return;
    char safe[160] = "";
    if (what)
        text_escape(what, strnlen(what, 64), safe, sizeof(safe), false);
    size_t cap = strlen(fmt) + strlen(safe) + 32;
    if ((self->error = malloc(cap)))
        snprintf(self->error, cap, fmt, self->line ? self->line : 1, safe);
}

static void s_field_cb(void *data, size_t len, void *arg)
{
    import_csv_t *self = arg;
    self->counted++;
    if (self->nfields < IMPORT_MAX_COLUMNS) {
        self->fields[self->nfields] = strndup(data ? data : "", len);
        if (self->fields[self->nfields])
            self->nfields++;
    }
}

static void s_header(import_csv_t *self)
{
    self->have_header = true;
    self->ncolumns = self->nfields;
    bool has_ref = false;
    if (self->counted > IMPORT_MAX_COLUMNS)
        s_set_error(self, "line %ld: the header has more columns than duban's import has%s", "");
    for (int i = 0; i < self->nfields; i++) {
        self->columns[i] = -1;
        for (int c = 0; import_csv_columns[c]; c++)
            if (strcmp(self->fields[i], import_csv_columns[c]) == 0)
                self->columns[i] = c;
        if (self->columns[i] < 0)
            s_set_error(self, "line %ld: column %s is not one of duban's import columns",
                        self->fields[i]);
        has_ref = has_ref || (self->columns[i] == 0);
    }
    if (!has_ref)
        s_set_error(self, "line %ld: the header needs an external_ref column%s", "");
}

/* The row's case, or NULL with why set. */
static json_t *s_body(import_csv_t *self, const char **ref, char *why, size_t cap)
{
    json_t *body = json_object(), *requester = json_object();
    for (int i = 0; i < self->nfields && i < self->ncolumns; i++) {
        int c = self->columns[i];
        const char *v = self->fields[i];
        if (c < 0 || !v[0])
            continue;
        json_t *value = json_string(v);
        if (!value) {
            snprintf(why, cap, "%s is not valid UTF-8", import_csv_columns[c]);
            goto refused;
        }
        if (c == 0)
            *ref = v;
        if (strncmp(import_csv_columns[c], "requester_", 10) == 0)
            json_object_set_new(requester, import_csv_columns[c] + 10, value);
        else
            json_object_set_new(body, import_csv_columns[c], value);
    }
    if (self->counted != self->ncolumns) {
        snprintf(why, cap, "the row has %d fields, the header %d", self->counted, self->ncolumns);
        goto refused;
    }
    if (!*ref) {
        snprintf(why, cap, "external_ref is required (it keeps a re-import from doubling cases)");
        goto refused;
    }
    if (json_object_size(requester))
        json_object_set(body, "requester", requester);
    if (!json_object_get(body, "channel"))
        json_object_set_new(body, "channel", json_string("letter"));
    json_decref(requester);
    return body;
refused:
    json_decref(requester);
    json_decref(body);
    return NULL;
}

static void s_row_cb(int terminator, void *arg)
{
    (void)terminator;
    import_csv_t *self = arg;
    if (!self->have_header) {
        s_header(self);
    } else if (!self->error && !(self->counted == 1 && !self->fields[0][0])) {
        const char *ref = NULL;
        char why[96] = "";
        json_t *body = s_body(self, &ref, why, sizeof(why));
        self->row(self->row_line, ref, body, body ? NULL : why, self->arg);
        json_decref(body);
    }
    for (int i = 0; i < self->nfields; i++)
        free(self->fields[i]);
    self->nfields = 0;
    self->counted = 0;
    self->row_line = self->line + 1;
}

import_csv_t *import_csv_new(import_csv_row_fn row, void *arg)
{
    import_csv_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    self->row = row;
    self->arg = arg;
    self->row_line = 1;
    self->at_line_start = true;
    if (csv_init(&self->parser, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI) != 0) {
        free(self);
        return NULL;
    }
    return self;
}

void import_csv_destroy(import_csv_t **self_p)
{
    import_csv_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < self->nfields; i++)
        free(self->fields[i]);
    csv_free(&self->parser);
    free(self->error);
    free(self);
    *self_p = NULL;
}

static void s_parse_error(import_csv_t *self, const char *tail)
{
    s_set_error(self, "line %ld: %s", csv_strerror(csv_error(&self->parser)));
    if (self->error && tail) {
        size_t cap = strlen(self->error) + strlen(tail) + 1;
        char *longer = realloc(self->error, cap);
        if (longer) {
            strcat(longer, tail);
            self->error = longer;
        }
    }
}

/* Fed a line at a time, so that a row knows the line it started on. A line
 * ends with LF, CR LF or a lone CR, as libcsv ends rows. */
int import_csv_feed(import_csv_t *self, const char *data, size_t len)
{
    while (len > 0) {
        size_t piece = 0;
        if (self->pending_cr && data[0] == '\n') {
            piece = 1; /* the LF of a CR LF split between two feeds */
        } else {
            while (piece < len && data[piece] != '\n' && data[piece] != '\r')
                piece++;
            bool ended = piece < len;
            if (ended && data[piece] == '\r' && piece + 1 < len && data[piece + 1] == '\n')
                piece++;
            if (self->at_line_start)
                self->line++;
            self->at_line_start = ended;
            piece += ended;
        }
        self->pending_cr = data[piece - 1] == '\r';
        if (csv_parse(&self->parser, data, piece, s_field_cb, s_row_cb, self) != piece) {
            s_parse_error(self, "; import stopped here");
            return -1;
        }
        data += piece;
        len -= piece;
    }
    return 0;
}

int import_csv_finish(import_csv_t *self)
{
    if (csv_fini(&self->parser, s_field_cb, s_row_cb, self) != 0) {
        s_parse_error(self, NULL);
        return -1;
    }
    return 0;
}

const char *import_csv_error(const import_csv_t *self)
{
    return self->error;
}
