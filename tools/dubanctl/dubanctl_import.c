/* dubanctl import FILE.csv: the letters clerk's batch entry and the ledger
 * migration. The CSV (RFC 4180, parsed by libcsv) has a header row; every
 * row needs an external_ref, which makes a re-import create nothing new.
 * Each valid row becomes a case through intake's API (so every rule of
 * intake applies); every refused row is reported with its line number. */
#include "dubanctl.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_COLUMNS 32

static const char *s_columns[] = {
    "external_ref", "channel",  "kind",        "subject",         "description",
    "category",     "division", "place",       "enterprise",      "product",
    "first_responder", "received_at", "callback_phone", "requester_name", "requester_phone",
    "requester_email", NULL};

typedef struct {
    ctl_t *ctl;
    char *fields[IMPORT_MAX_COLUMNS];
    int nfields;
    int columns[IMPORT_MAX_COLUMNS]; /* header position -> index in s_columns, -1 unknown */
    int ncolumns;
    bool have_header;
    long row_line;     /* physical line where the current row started */
    long line;         /* physical line being fed */
    int created, present, refused;
    bool header_bad;
    json_t *report;    /* with --json: one object per row */
} import_t;

static void s_field_cb(void *data, size_t len, void *arg)
{
    import_t *im = arg;
    if (im->nfields < IMPORT_MAX_COLUMNS) {
        im->fields[im->nfields] = strndup(data ? data : "", len);
        im->nfields++;
    }
}

static void s_refuse(import_t *im, const char *ref, const char *why)
{
    im->refused++;
    if (im->report)
        json_array_append_new(im->report, json_pack("{s:i, s:s?, s:s, s:s}", "line",
                                                     (int)im->row_line, "external_ref", ref,
                                                     "result", "refused", "reason", why));
    else
        fprintf(stderr, "line %ld: %s\n", im->row_line, why);
}

static void s_header(import_t *im)
{
    im->have_header = true;
    im->ncolumns = im->nfields;
    bool has_ref = false;
    for (int i = 0; i < im->nfields; i++) {
        im->columns[i] = -1;
        for (int c = 0; s_columns[c]; c++)
            if (strcmp(im->fields[i], s_columns[c]) == 0)
                im->columns[i] = c;
        if (im->columns[i] < 0) {
            fprintf(stderr, "line 1: column %s is not one of duban's import columns\n",
                    im->fields[i]);
            im->header_bad = true;
        }
        has_ref = has_ref || (im->columns[i] == 0);
    }
    if (!has_ref) {
        fprintf(stderr, "line 1: the header needs an external_ref column\n");
        im->header_bad = true;
    }
}

static void s_send_row(import_t *im)
{
    json_t *body = json_object(), *requester = json_object();
    const char *ref = NULL;
    for (int i = 0; i < im->nfields && i < im->ncolumns; i++) {
        int c = im->columns[i];
        const char *v = im->fields[i];
        if (c < 0 || !v[0])
            continue;
        if (c == 0)
            ref = v;
        if (strncmp(s_columns[c], "requester_", 10) == 0)
            json_object_set_new(requester, s_columns[c] + 10, json_string(v));
        else
            json_object_set_new(body, s_columns[c], json_string(v));
    }
    if (json_object_size(requester))
        json_object_set(body, "requester", requester);
    if (!json_object_get(body, "channel"))
        json_object_set_new(body, "channel", json_string("letter"));
    if (im->nfields != im->ncolumns) {
        char why[96];
        snprintf(why, sizeof(why), "the row has %d fields, the header %d", im->nfields,
                 im->ncolumns);
        s_refuse(im, ref, why);
    } else if (!ref) {
        s_refuse(im, NULL, "external_ref is required (it keeps a re-import from doubling cases)");
    } else {
        char *text = json_dumps(body, JSON_COMPACT);
        json_t *reply = NULL;
        int status = text ? ctl_http(im->ctl, "POST", "/api/v1/cases", text, &reply) : -1;
        free(text);
        const char *number = json_string_value(json_object_get(reply, "case_number"));
        if (status == 201 || status == 200) {
            bool created = status == 201;
            created ? im->created++ : im->present++;
            if (im->report)
                json_array_append_new(im->report,
                                      json_pack("{s:i, s:s, s:s, s:s?}", "line", (int)im->row_line,
                                                "external_ref", ref, "result",
                                                created ? "created" : "already imported",
                                                "case_number", number));
            else
                printf("line %ld: %s %s\n", im->row_line, created ? "created" : "already imported",
                       number ? number : "");
        } else if (status < 0) {
            s_refuse(im, ref, "intake could not be reached");
        } else {
            const char *detail = json_string_value(json_object_get(reply, "detail"));
            char why[320];
            snprintf(why, sizeof(why), "%s", detail ? detail : "refused by intake");
            s_refuse(im, ref, why);
        }
        json_decref(reply);
    }
    json_decref(requester);
    json_decref(body);
}

static void s_row_cb(int terminator, void *arg)
{
    import_t *im = arg;
    if (!im->have_header)
        s_header(im);
    else if (!im->header_bad && !(im->nfields == 1 && !im->fields[0][0]))
        s_send_row(im);
    for (int i = 0; i < im->nfields; i++)
        free(im->fields[i]);
    im->nfields = 0;
    im->row_line = im->line + 1;
}

int ctl_import(ctl_t *ctl, int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-')
            path = argv[i];
    if (!path) {
        fprintf(stderr, "usage: dubanctl import FILE.csv\n");
        return CTL_USAGE;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "error: could not open %s\n", path);
        return CTL_FAILED;
    }
    ctl_act_as(ctl, "clerk001");
    import_t im = {.ctl = ctl, .row_line = 1, .report = ctl->json ? json_array() : NULL};
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = CTL_OK;
    while ((n = getline(&line, &cap, f)) > 0) {
        im.line++;
        if (csv_parse(&parser, line, (size_t)n, s_field_cb, s_row_cb, &im) != (size_t)n) {
            fprintf(stderr, "line %ld: %s; import stopped here\n", im.line,
                    csv_strerror(csv_error(&parser)));
            rc = CTL_FAILED;
            break;
        }
    }
    if (rc == CTL_OK && csv_fini(&parser, s_field_cb, s_row_cb, &im) != 0) {
        fprintf(stderr, "line %ld: %s\n", im.line, csv_strerror(csv_error(&parser)));
        rc = CTL_FAILED;
    }
    for (int i = 0; i < im.nfields; i++)
        free(im.fields[i]);
    csv_free(&parser);
    free(line);
    fclose(f);
    if (im.header_bad)
        rc = CTL_FAILED;
    if (im.report) {
        json_t *out = json_pack("{s:i, s:i, s:i, s:o}", "created", im.created, "already_imported",
                                im.present, "refused", im.refused, "rows", im.report);
        ctl_print_json(out);
        json_decref(out);
    } else {
        printf("imported %d, already present %d, refused %d\n", im.created, im.present,
               im.refused);
    }
    return rc == CTL_OK && im.refused == 0 ? CTL_OK : CTL_FAILED;
}
