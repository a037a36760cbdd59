/* dubanctl import FILE.csv: the letters clerk's batch entry and the ledger
 * migration. The CSV is read by import_csv.c; every row needs an
 * external_ref, which makes a re-import create nothing new. Each valid row
 * becomes a case through intake's API (so every rule of intake applies);
 * every refused row is reported with its line number. */
#include "dubanctl.h"

#include "import_csv.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    ctl_t *ctl;
    int created, present, refused;
    json_t *report; /* with --json: one object per row */
} import_run_t;

static void s_refuse(import_run_t *run, long line, const char *ref, const char *why)
{
    run->refused++;
    if (run->report) {
        json_array_append_new(run->report, json_pack("{s:i, s:s?, s:s, s:s}", "line", (int)line,
                                                     "external_ref", ref, "result", "refused",
                                                     "reason", why));
        return;
    }
    /* why may quote the file (intake names the field it refused). */
    char safe[640];
    text_escape(why, strlen(why), safe, sizeof(safe), false);
    fprintf(stderr, "line %ld: %s\n", line, safe);
}

static void s_send(import_run_t *run, long line, const char *ref, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_t *reply = NULL;
    int status = text ? ctl_http(run->ctl, "POST", "/api/v1/cases", text, &reply) : -1;
    free(text);
    const char *number = json_string_value(json_object_get(reply, "case_number"));
    if (status == 201 || status == 200) {
        bool created = status == 201;
        created ? run->created++ : run->present++;
        if (run->report)
            json_array_append_new(run->report,
                                  json_pack("{s:i, s:s, s:s, s:s?}", "line", (int)line,
                                            "external_ref", ref, "result",
                                            created ? "created" : "already imported",
                                            "case_number", number));
        else
            printf("line %ld: %s %s\n", line, created ? "created" : "already imported",
                   number ? number : "");
    } else if (status < 0) {
        s_refuse(run, line, ref, "intake could not be reached");
    } else {
        const char *detail = json_string_value(json_object_get(reply, "detail"));
        s_refuse(run, line, ref, detail ? detail : "refused by intake");
    }
    json_decref(reply);
}

static void s_row(long line, const char *ref, json_t *body, const char *refusal, void *arg)
{
    import_run_t *run = arg;
    if (body)
        s_send(run, line, ref, body);
    else
        s_refuse(run, line, ref, refusal);
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
    import_run_t run = {.ctl = ctl, .report = ctl->json ? json_array() : NULL};
    import_csv_t *csv = import_csv_new(s_row, &run);
    char buf[16384];
    size_t n;
    int rc = csv ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        rc = import_csv_feed(csv, buf, n);
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "error: could not read %s\n", path);
        rc = -1;
    }
    if (rc == 0)
        rc = import_csv_finish(csv);
    if (csv && import_csv_error(csv)) {
        fprintf(stderr, "%s\n", import_csv_error(csv));
        rc = -1;
    }
    import_csv_destroy(&csv);
    fclose(f);
    if (run.report) {
        json_t *out = json_pack("{s:i, s:i, s:i, s:o}", "created", run.created, "already_imported",
                                run.present, "refused", run.refused, "rows", run.report);
        ctl_print_json(out);
        json_decref(out);
    } else {
        printf("imported %d, already present %d, refused %d\n", run.created, run.present,
               run.refused);
    }
    return rc == 0 && run.refused == 0 ? CTL_OK : CTL_FAILED;
}
