/* The readers of imported files (see fuzz_more.h).
 *
 * csv: dubanctl import's CSV reader (import_csv.c). Every data row is
 *   either a case (a JSON object with its external_ref and a channel) or
 *   refused with a reason, and its line is within the file; a stopped file
 *   says why in one terminal-safe line. The same bytes fed in two pieces
 *   split anywhere read exactly as fed whole.
 * history: dubanctl import-history's reader and replay (dubanctl_history*.c)
 *   of each entry of a JSON array, with the deploy/ org, SLA and calendar:
 *   refused with a reason, or replayed into a case whose tasks are of
 *   configured divisions and whose events never precede its receipt. */
#include "fuzz_more.h"

#include "calendar.h"
#include "dubanctl_history.h"
#include "import_csv.h"
#include "sla.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether s would print as itself on a UTF-8 terminal: no C0 control
 * character, DEL or C1 (U+0080..U+009F). Invalid UTF-8 is shown as such by
 * the terminal and may pass (text_escape leaves it). */
static bool s_terminal_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return false;
    return true;
}

typedef struct {
    json_t *rows; /* [line, ref, case or refusal] per row */
    long lines;   /* physical lines of the input */
    bool bad;
    const char *why;
} csv_read_t;

static void s_csv_row(long line, const char *ref, json_t *body, const char *refusal, void *arg)
{
    csv_read_t *r = arg;
    if (line < 1 || line > r->lines) {
        r->bad = true;
        r->why = "a row's line is outside the file";
    } else if (body && (!json_is_object(body) || !ref ||
                        !json_string_value(json_object_get(body, "external_ref")) ||
                        strcmp(json_string_value(json_object_get(body, "external_ref")), ref) != 0 ||
                        !json_string_value(json_object_get(body, "channel")))) {
        r->bad = true;
        r->why = "a case without its external_ref or channel";
    } else if (!body && (!refusal || !refusal[0])) {
        r->bad = true;
        r->why = "a row refused without a reason";
    }
    json_array_append_new(r->rows, json_pack("[I, s?, O?, s?]", (json_int_t)line, ref, body,
                                             body ? NULL : refusal));
}

/* Reads data fed in two pieces at split: the rows as JSON text, and the
 * error (NULL when the file was read whole). */
static char *s_csv_read(const uint8_t *data, size_t len, size_t split, csv_read_t *r,
                        char **error)
{
    r->rows = json_array();
    import_csv_t *csv = import_csv_new(s_csv_row, r);
    if (!csv || !r->rows) {
        import_csv_destroy(&csv);
        json_decref(r->rows);
        return NULL;
    }
    int rc = import_csv_feed(csv, (const char *)data, split);
    if (rc == 0)
        rc = import_csv_feed(csv, (const char *)data + split, len - split);
    if (rc == 0)
        import_csv_finish(csv);
    *error = import_csv_error(csv) ? strdup(import_csv_error(csv)) : NULL;
    import_csv_destroy(&csv);
    char *text = json_dumps(r->rows, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(r->rows);
    return text;
}

void fuzz_target_csv(const org_t *org, const uint8_t *data, size_t len)
{
    (void)org;
    long lines = 1;
    for (size_t i = 0; i < len; i++) /* LF, CR LF and a lone CR end a line */
        lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n'));
    csv_read_t whole = {.lines = lines}, pieces = {.lines = lines};
    char *error_whole = NULL, *error_pieces = NULL;
    char *rows_whole = s_csv_read(data, len, len, &whole, &error_whole);
    char *rows_pieces = s_csv_read(data, len, len ? data[0] % (len + 1) : 0, &pieces,
                                   &error_pieces);
    if (!rows_whole || !rows_pieces) {
        /* out of memory: nothing to judge */
    } else if (whole.bad || pieces.bad) {
        fuzz_fail("csv", data, len, whole.bad ? whole.why : pieces.why);
    } else if (strcmp(rows_whole, rows_pieces) != 0 ||
               (error_whole == NULL) != (error_pieces == NULL)) {
        fuzz_fail("csv", data, len, "the file read differently when fed in two pieces");
    } else if (error_whole && !s_terminal_safe(error_whole)) {
        fuzz_fail("csv", data, len, "the reason a file stopped is not terminal-safe");
    } else if (!error_whole) {
        fuzz_took();
    }
    free(rows_whole);
    free(rows_pieces);
    free(error_whole);
    free(error_pieces);
}

/* The deploy/ rules, loaded once. */
static struct {
    sla_t *sla;
    calendar_t *working, *natural;
    deadline_rules_t rules;
    bool tried;
} s_history;

static int s_history_rules(void)
{
    if (!s_history.tried) {
        s_history.tried = true;
        s_history.sla = sla_new(DUBAN_SOURCE_DIR "/deploy/config/sla.conf");
        s_history.working = calendar_new(DUBAN_SOURCE_DIR "/deploy/config/calendar");
        s_history.natural = calendar_new_round_the_clock();
        s_history.rules = (deadline_rules_t){s_history.sla, s_history.working, s_history.natural};
    }
    return s_history.sla && s_history.working && s_history.natural ? 0 : -1;
}

static const char *s_replayed_wrong(const h_case_t *h)
{
    for (int i = 0; i < h->ntasks; i++)
        if (!org_division_find(h->org, h->tasks[i].division))
            return "a task of a division the org file lacks";
    for (int i = 0; i < h->nevents; i++)
        if (h->events[i].at < h->received)
            return "an event before the case was received";
    return NULL;
}

void fuzz_target_history(const org_t *org, const uint8_t *data, size_t len)
{
    if (s_history_rules() < 0) {
        fuzz_fail("history", data, len, "the deploy/ SLA or calendar did not load");
        return;
    }
    json_t *root = json_loadb((const char *)data, len, 0, NULL);
    h_case_t *h = json_is_array(root) ? malloc(sizeof(*h)) : NULL;
    size_t i;
    json_t *entry;
    json_array_foreach(h ? root : NULL, i, entry)
    {
        if (i >= 8)
            break;
        *h = (h_case_t){.org = org, .rules = &s_history.rules, .working = s_history.working,
                        .now_us = 1798732800000000LL /* 2027-01-01, fixed: replays repeat */};
        int rc = history_fields(h, entry);
        if (rc == 0)
            rc = history_replay(h, json_object_get(entry, "steps"));
        const char *wrong = rc < 0 ? (h->error[0] ? NULL : "refused without a reason")
                                   : s_replayed_wrong(h);
        if (wrong)
            fuzz_fail("history", data, len, wrong);
        else if (rc == 0)
            fuzz_took();
        for (int e = 0; e < h->nevents; e++)
            json_decref(h->events[e].detail);
    }
    free(h);
    json_decref(root);
}

int fuzz_import_seeds(const char *target, uint8_t **data, size_t *lens, int max)
{
    static const char *const csv[] = {
        ("external_ref,channel,kind,subject,description,category,requester_name,requester_phone\n"
         "L-001,letter,complaint,电梯年检过期,\"小区电梯\n请尽快处理\",special-equipment,周八,"
         "13800000008\n"
         ",letter,enquiry,无编号,没有外部编号,,,\n"
         "L-003,letter,suggestion,建议\n"),
        ("external_ref,kind,subject,received_at\r\nT-1,complaint,\"a \"\"b\"\"\",2017-03-01T09:30:00"
         "+08:00\r\n\r\nT-2,report,c,\r\n"),
        "external_ref,nonsense\nx,y\n",
        "\"unterminated,field\n",
    };
    int n = 0;
    if (strcmp(target, "csv") == 0) {
        for (size_t i = 0; i < sizeof(csv) / sizeof(csv[0]) && n < max; i++) {
            size_t len = strlen(csv[i]);
            if (!(data[n] = malloc(len)))
                break;
            memcpy(data[n], csv[i], len);
            lens[n++] = len;
        }
    } else if (strcmp(target, "history") == 0) {
        /* Entries of the ledgers the tests import, a few to a seed. */
        static const char *const ledgers[] = {"bulletin_2017q1.json", "bulletin_as_of_end.json",
                                              "history_invalid.json"};
        for (size_t l = 0; l < sizeof(ledgers) / sizeof(ledgers[0]); l++) {
            char path[512];
            snprintf(path, sizeof(path), "%s/tests/fixtures/%s", DUBAN_SOURCE_DIR, ledgers[l]);
            json_t *all = json_load_file(path, 0, NULL);
            size_t step = json_array_size(all) / 3 + 1; /* three seeds from along each */
            for (size_t from = 0; from < json_array_size(all) && n < max; from += step) {
                json_t *some = json_array();
                for (size_t i = from; i < from + 3 && i < json_array_size(all); i++)
                    json_array_append(some, json_array_get(all, i));
                char *text = json_dumps(some, JSON_COMPACT);
                json_decref(some);
                if (text && strlen(text) <= 8192) {
                    data[n] = (uint8_t *)text;
                    lens[n++] = strlen(text);
                } else {
                    free(text);
                }
            }
            json_decref(all);
        }
    }
    return n;
}
