/* Mutation fuzzing of what duban takes from outside: the JSON body of a case
 * submission, envelopes (and the case inside) arriving on the bus, and
 * window texts from the SLA file and the CLI. Each seed is mutated many times
 * (bit flips, byte changes, insertions, deletions, truncation, splices of
 * another seed) with a fixed random seed, so a failure replays exactly; the
 * sanitizer build turns any memory or undefined-behaviour fault into a
 * failure, and each parser's contract is checked on every input.
 *
 *   fuzz_inputs [RUNS_PER_TARGET]   (default 20000; DUBAN_FUZZ_SEED changes the seed)
 *
 *   fuzz_inputs --corpus DIR   writes each target's seeds to DIR/TARGET/ (the
 *                              corpus kept in tests/fuzz/corpus)
 *
 * The same targets build under libFuzzer (clang -fsanitize=fuzzer, see
 * tools/fuzz) with -DDUBAN_LIBFUZZER; DUBAN_FUZZ_TARGET names the target:
 * json, envelope, window, form, photo, open311, calendar, console, csv,
 * history.
 * form is the report form's multipart body (GMime), photo a photo's bytes
 * (libjpeg-turbo, libpng): each either refused with a reason or taken.
 * open311, calendar and console are in fuzz_more.c, csv and history in
 * fuzz_import.c. */
#include "bus.h"
#include "fuzz_more.h"
#include "log.h"
#include "calendar.h"
#include "intake_photo.h"
#include "intake_public_form.h"
#include "intake_request.h"
#include "org.h"
#include "text.h"
#include "triage_rule.h"

#define main photo_make_main /* its writers make the photo seeds */
#include "../tools/photo_make.c"
#undef main

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FUZZ_MAX_INPUT 8192

static org_t *s_org;
static unsigned long s_failures;
static unsigned long s_accepted; /* inputs the parser took, per target */

#ifdef DUBAN_LIBFUZZER
#define FUZZ_DRIVER_ONLY __attribute__((unused)) /* the mutation driver's own */
#else
#define FUZZ_DRIVER_ONLY
#endif

static void s_fail(const char *target, const uint8_t *data, size_t len, const char *why)
{
    s_failures++;
    fprintf(stderr, "FAIL %s: %s (input of %zu bytes:", target, why, len);
    for (size_t i = 0; i < len && i < 64; i++)
        fprintf(stderr, " %02x", data[i]);
    fprintf(stderr, "%s)\n", len > 64 ? " ..." : "");
}

void fuzz_fail(const char *target, const uint8_t *data, size_t len, const char *why)
{
    s_fail(target, data, len, why);
}

void fuzz_took(void)
{
    s_accepted++;
}

static void s_target_open311(const uint8_t *data, size_t len)
{
    fuzz_target_open311(s_org, data, len);
}

static void s_target_calendar(const uint8_t *data, size_t len)
{
    fuzz_target_calendar(s_org, data, len);
}

static void s_target_console(const uint8_t *data, size_t len)
{
    fuzz_target_console(s_org, data, len);
}

static void s_target_csv(const uint8_t *data, size_t len)
{
    fuzz_target_csv(s_org, data, len);
}

static void s_target_history(const uint8_t *data, size_t len)
{
    fuzz_target_history(s_org, data, len);
}

/* The submission parser refuses with 400 and says why and where, or
 * accepts a request whose required fields are there and whose text is
 * valid UTF-8 without control characters (newlines and tabs only in the
 * description). */
static void s_target_json(const uint8_t *data, size_t len)
{
    intake_error_t err;
    memset(&err, 0, sizeof(err));
    intake_request_t *r = intake_request_parse(s_org, (const char *)data, len, &err);
    if (!r) {
        if (err.status < 400 || err.status > 499 || !err.title[0] || !err.detail[0])
            s_fail("json", data, len, "refused without a 4xx status, a title and a detail");
        return;
    }
    s_accepted++;
    if (!r->channel || !r->kind || !r->subject || !r->subject[0] || !r->description)
        s_fail("json", data, len, "accepted without its required fields");
    const char *one_line[] = {r->subject, r->requester_name, r->requester_phone, r->place,
                              r->enterprise, r->product, r->external_ref};
    for (size_t i = 0; i < sizeof(one_line) / sizeof(one_line[0]); i++)
        if (one_line[i] && text_check(one_line[i], false, NULL, NULL) != TEXT_OK)
            s_fail("json", data, len, "accepted a control character in a one-line field");
    if (r->description && text_check(r->description, true, NULL, NULL) != TEXT_OK)
        s_fail("json", data, len, "accepted a control character in the description");
    intake_request_destroy(&r);
}

/* A broken envelope or body is refused (NULL), never half-read; a case that
 * does unpack is triaged without fault whatever its text. */
static void s_target_envelope(const uint8_t *data, size_t len)
{
    Duban__Envelope *env = bus_envelope_unpack(data, len);
    if (!env)
        return;
    Duban__CaseReceived *c = duban__case_received__unpack(NULL, env->body.len, env->body.data);
    if (c) {
        s_accepted++;
        triage_decision_t d;
        triage_rule_decide(s_org, c->category, c->subject, c->description, c->priority, &d);
        if (d.outcome == TRIAGE_ROUTED && !d.category)
            s_fail("envelope", data, len, "routed without a category");
        duban__case_received__free_unpacked(c, NULL);
    }
    duban__envelope__free_unpacked(env, NULL);
}

/* A window is "<digits><unit>" within bounds, or refused. */
static void s_target_window(const uint8_t *data, size_t len)
{
    char text[64];
    size_t n = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    calendar_window_t w = {0};
    if (calendar_parse_window(text, &w) == 0) {
        s_accepted++;
        if (w.amount < 0 || w.amount > CALENDAR_MAX_AMOUNT)
            s_fail("window", data, len, "accepted an amount out of bounds");
    }
}

/* The report form: parsed, or refused with a reason; at most 3 photos. */
static void s_target_form(const uint8_t *data, size_t len)
{
    char *body = malloc(len + 1), why[256] = "";
    memcpy(body, data, len);
    body[len] = '\0';
    intake_public_form_t form;
    if (intake_public_form_parse("multipart/form-data; boundary=XyZ", body, len, &form, why,
                                 sizeof(why)) == 0) {
        s_accepted++;
        if (form.nphotos > 3)
            s_fail("form", data, len, "took more than 3 photos");
    } else if (!why[0]) {
        s_fail("form", data, len, "refused without a reason");
    }
    intake_public_form_clear(&form);
    free(body);
}

/* A photo: cleaned within its limits, or refused with a reason. */
static void s_target_photo(const uint8_t *data, size_t len)
{
    static const intake_photo_limits_t limits = {
        .max_bytes = 1 << 20, .max_side = 2000, .max_pixels = 1000000};
    intake_photo_t out;
    char why[256] = "";
    if (intake_photo_clean(data, len, &limits, &out, why, sizeof(why)) == 0) {
        s_accepted++;
        if (out.width <= 0 || out.width > 2000 || out.height <= 0 || out.height > 2000)
            s_fail("photo", data, len, "took a photo beyond its limits");
        intake_photo_free(&out);
    } else if (!why[0]) {
        s_fail("photo", data, len, "refused without a reason");
    }
}

typedef struct {
    const char *name;
    void (*run)(const uint8_t *data, size_t len);
    int share; /* runs of this target: RUNS_PER_TARGET / share (decoders are slow) */
} target_t;

static const target_t s_targets[] = {
    {"json", s_target_json, 1},
    {"envelope", s_target_envelope, 1},
    {"window", s_target_window, 1},
    {"form", s_target_form, 10},
    {"photo", s_target_photo, 20},
    {"open311", s_target_open311, 1},
    {"calendar", s_target_calendar, 2}, /* libconfig reads two texts */
    {"console", s_target_console, 1},
    {"csv", s_target_csv, 1},
    {"history", s_target_history, 10}, /* replays every entry's steps */
};

/* ---- seeds ---- */

typedef struct {
    uint8_t *data;
    size_t len;
} blob_t;

static blob_t s_text(const char *text)
{
    blob_t b = {(uint8_t *)strdup(text), strlen(text)};
    return b;
}

static blob_t s_envelope(const char *channel, const char *category, const char *subject,
                         const char *description)
{
    Duban__CaseReceived c = DUBAN__CASE_RECEIVED__INIT;
    c.channel = (char *)channel;
    c.kind = "complaint";
    c.category = (char *)category;
    c.subject = (char *)subject;
    c.description = (char *)description;
    c.first_responder = "op001";
    uint8_t body[1024];
    size_t body_len = duban__case_received__pack(&c, body);
    Duban__Envelope env = DUBAN__ENVELOPE__INIT;
    env.msg_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    env.type = DUBAN__MSG_TYPE__CASE_RECEIVED;
    env.case_id = 42;
    env.case_number = "DB20170126000042";
    env.producer = "intake";
    env.seq = 7;
    env.time_us = 1485417600000000LL;
    env.body.data = body;
    env.body.len = body_len;
    blob_t b = {malloc(duban__envelope__get_packed_size(&env)), 0};
    if (b.data)
        b.len = duban__envelope__pack(&env, b.data);
    return b;
}

FUZZ_DRIVER_ONLY static int s_seeds(const char *target, blob_t *seeds, int max)
{
    uint8_t *more[8];
    size_t more_lens[8];
    int n = fuzz_more_seeds(target, more, more_lens, max < 8 ? max : 8);
    if (n == 0)
        n = fuzz_import_seeds(target, more, more_lens, max < 8 ? max : 8);
    for (int i = 0; i < n; i++) {
        seeds[i].data = more[i];
        seeds[i].len = more_lens[i];
    }
    if (n > 0)
        return n;
    if (strcmp(target, "json") == 0) {
        static const char *const bodies[] = {
            "{\"channel\":\"hotline\",\"kind\":\"complaint\",\"subject\":\"电梯异响\","
            "\"description\":\"3号楼电梯\",\"category\":\"special-equipment\","
            "\"requester\":{\"name\":\"张三\",\"phone\":\"138 0000 1111\"},"
            "\"first_responder\":\"op001\"}",
            "{\"channel\":\"web\",\"kind\":\"report\",\"subject\":\"假冒伪劣\",\"description\":\"山寨商品\","
            "\"requester\":{\"anonymous\":true},\"place\":\"石家庄\",\"latitude\":38.04,"
            "\"longitude\":114.51,\"external_ref\":\"LEDGER-1\"}",
            ("{\"channel\":\"letter\",\"kind\":\"enquiry\",\"subject\":\"s\",\"description\":\"d\","
             "\"received_at\":\"2017-01-26T16:00:00+08:00\",\"division\":\"metrology\"}"),
            "[1,2,{\"a\":null}]",
            "{\"subject\":\"\\u0000\\ud800\"}",
        };
        for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]) && n < max; i++)
            seeds[n++] = s_text(bodies[i]);
    } else if (strcmp(target, "envelope") == 0) {
        seeds[n++] = s_envelope("hotline", "", "电梯困人", "小区电梯经常停运，锅炉也有问题");
        seeds[n++] = s_envelope("web", "metrology", "加油机", "加油机计量不准，电子秤缺斤短两");
        seeds[n++] = s_envelope("letter", "", "", "");
    } else if (strcmp(target, "form") == 0) {
        static const char *const bodies[] = {
            "--XyZ\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\n电梯\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\na\r\nb\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0\x00\x10JFIF\r\n--XyZ--\r\n",
            "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"\"\r\n\r\n\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"b\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--XyZ--\r\n",
        };
        for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]) && n < max; i++)
            seeds[n++] = s_text(bodies[i]);
    } else if (strcmp(target, "photo") == 0) {
        char path[64];
        static const char *const kinds[] = {"jpeg", "png"};
        for (int k = 0; k < 2 && n < max; k++) {
            snprintf(path, sizeof(path), "/tmp/duban-fuzz-photo-%d", (int)getpid());
            if ((k ? s_png(path, 40, 30) : s_jpeg(path, 40, 30)) != 0)
                continue;
            FILE *f = fopen(path, "rb");
            uint8_t *buf = malloc(FUZZ_MAX_INPUT);
            size_t got = f && buf ? fread(buf, 1, FUZZ_MAX_INPUT, f) : 0;
            if (f)
                fclose(f);
            unlink(path);
            seeds[n].data = buf;
            seeds[n++].len = got;
            (void)kinds;
        }
    } else if (strcmp(target, "window") == 0) {
        static const char *const windows[] = {"3d", "5h", "30m", "45s", "1000000d", "0h", "13d"};
        for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]) && n < max; i++)
            seeds[n++] = s_text(windows[i]);
    }
    return n;
}

/* ---- mutation ---- */

static uint64_t s_rng;

static uint64_t s_next(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static size_t s_below(size_t n)
{
    return n ? (size_t)(s_next() % n) : 0;
}

static const uint8_t s_interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '"', '\\', '{', '}',
                                        '[', ']', ':', ',', 0xe4, 0xc0, 0xed, 0xa0};

/* Mutates buf (len bytes, capacity FUZZ_MAX_INPUT) a few times in place. */
FUZZ_DRIVER_ONLY static size_t s_mutate(uint8_t *buf, size_t len, const blob_t *seeds, int nseeds)
{
    int rounds = 1 + (int)s_below(4);
    for (int r = 0; r < rounds; r++) {
        switch (s_below(7)) {
        case 0: /* flip a bit */
            if (len)
                buf[s_below(len)] ^= (uint8_t)(1u << s_below(8));
            break;
        case 1: /* an interesting byte */
            if (len)
                buf[s_below(len)] = s_interesting[s_below(sizeof(s_interesting))];
            break;
        case 2: /* insert bytes */
            if (len < FUZZ_MAX_INPUT) {
                size_t at = s_below(len + 1), n = 1 + s_below(8);
                if (len + n > FUZZ_MAX_INPUT)
                    n = FUZZ_MAX_INPUT - len;
                memmove(buf + at + n, buf + at, len - at);
                for (size_t i = 0; i < n; i++)
                    buf[at + i] = (uint8_t)s_next();
                len += n;
            }
            break;
        case 3: /* delete a run */
            if (len) {
                size_t at = s_below(len), n = 1 + s_below(len - at);
                memmove(buf + at, buf + at + n, len - at - n);
                len -= n;
            }
            break;
        case 4: /* truncate */
            len = s_below(len + 1);
            break;
        case 5: { /* splice in part of another seed */
            const blob_t *o = &seeds[s_below((size_t)nseeds)];
            if (o->len) {
                size_t from = s_below(o->len), n = 1 + s_below(o->len - from);
                size_t at = s_below(len + 1);
                if (len + n > FUZZ_MAX_INPUT)
                    break;
                memmove(buf + at + n, buf + at, len - at);
                memcpy(buf + at, o->data + from, n);
                len += n;
            }
            break;
        }
        default: /* duplicate a run (deep nesting, long fields) */
            if (len && len < FUZZ_MAX_INPUT / 2) {
                size_t at = s_below(len), n = 1 + s_below(len - at);
                if (len + n * 8 > FUZZ_MAX_INPUT)
                    break;
                for (int k = 0; k < 8; k++) {
                    memmove(buf + at + n, buf + at, len - at);
                    len += n;
                }
            }
            break;
        }
    }
    return len;
}

static int s_load_org(void)
{
    if (!s_org)
        s_org = org_new(DUBAN_SOURCE_DIR "/deploy/config/org.conf");
    return s_org ? 0 : -1;
}

#ifdef DUBAN_LIBFUZZER
static const target_t *s_target;

/* The target named by DUBAN_FUZZ_TARGET; the parsers' own log lines are
 * left out (only a fault is news). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *name = getenv("DUBAN_FUZZ_TARGET");
    log_init("fuzz", (log_level_t)(LOG_ERROR + 1));
    for (size_t i = 0; i < sizeof(s_targets) / sizeof(s_targets[0]); i++)
        if (name && strcmp(s_targets[i].name, name) == 0)
            s_target = &s_targets[i];
    if (!s_target || s_load_org() < 0) {
        fprintf(stderr, "fuzz: set DUBAN_FUZZ_TARGET to a target (json, envelope, window, form, "
                        "photo, open311, calendar, console, csv, history); the org file must load\n");
        exit(2);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    s_target->run(data, len);
    if (s_failures)
        abort();
    return 0;
}
#else
/* Writes each target's seeds to dir/TARGET/seed-N. */
static int s_write_corpus(const char *dir)
{
    mkdir(dir, 0755);
    for (size_t t = 0; t < sizeof(s_targets) / sizeof(s_targets[0]); t++) {
        blob_t seeds[8];
        int nseeds = s_seeds(s_targets[t].name, seeds, 8);
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, s_targets[t].name);
        mkdir(path, 0755);
        for (int i = 0; i < nseeds; i++) {
            snprintf(path, sizeof(path), "%s/%s/seed-%d", dir, s_targets[t].name, i);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(seeds[i].data, 1, seeds[i].len, f) != seeds[i].len) {
                fprintf(stderr, "could not write %s\n", path);
                return 1;
            }
            fclose(f);
            free(seeds[i].data);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    log_init("fuzz", (log_level_t)(LOG_ERROR + 1));
    if (argc == 3 && strcmp(argv[1], "--corpus") == 0)
        return s_load_org() < 0 ? 2 : s_write_corpus(argv[2]);
    long runs = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    const char *seed_text = getenv("DUBAN_FUZZ_SEED");
    uint64_t seed = seed_text ? strtoull(seed_text, NULL, 10) : 0x5eed0f2017c0ffeeULL;
    if (runs <= 0 || s_load_org() < 0) {
        fprintf(stderr, "usage: fuzz_inputs [RUNS_PER_TARGET] (and the org file must load)\n");
        return 2;
    }
    uint8_t *buf = malloc(FUZZ_MAX_INPUT);
    if (!buf)
        return 2;
    for (size_t t = 0; t < sizeof(s_targets) / sizeof(s_targets[0]); t++) {
        blob_t seeds[8];
        int nseeds = s_seeds(s_targets[t].name, seeds, 8);
        s_rng = seed ? seed : 1;
        s_accepted = 0;
        for (int i = 0; i < nseeds; i++) /* every seed as it is first */
            s_targets[t].run(seeds[i].data, seeds[i].len);
        long n = runs / s_targets[t].share;
        for (long i = 0; i < n; i++) {
            const blob_t *s = &seeds[s_below((size_t)nseeds)];
            size_t len = s->len < FUZZ_MAX_INPUT ? s->len : FUZZ_MAX_INPUT;
            memcpy(buf, s->data, len);
            len = s_mutate(buf, len, seeds, nseeds);
            s_targets[t].run(buf, len);
        }
        printf("fuzz %s: %ld inputs from %d seeds, %lu accepted, %lu failure(s)\n",
               s_targets[t].name, n, nseeds, s_accepted, s_failures);
        for (int i = 0; i < nseeds; i++)
            free(seeds[i].data);
    }
    free(buf);
    org_destroy(&s_org);
    return s_failures ? 1 : 0;
}
#endif
