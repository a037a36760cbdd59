/* See fuzz_more.h.
 *
 * open311: a POSTed form body as intake reads it (intake_open311_parse_form)
 *   and the case built from it (intake_open311_build): refused with a 4xx
 *   and a reason, or a request whose text passed intake_request_check.
 * calendar: hours.conf and 2017.conf (the input split at its first NUL
 *   byte), read from memory by calendar_new_from_texts, the same parser
 *   calendar_new reads a folder's files with (no file written per input):
 *   refused, or a calendar whose working-time sums never go back in time.
 * console: the first byte picks a console request (dispatch's ConsoleHello
 *   and TaskAction, watch's AlertsHello and AlertAck, bulletin's
 *   BulletinRequest), the rest is its body: unpacked or refused, and the
 *   fields each console reads first (action, window, period, kind) parsed. */
#include "fuzz_more.h"

#include "bulletin_period.h"
#include "calendar.h"
#include "dispatch_rules.h"
#include "duban.pb-c.h"
#include "intake_open311_internal.h"
#include "intake_request.h"
#include "text.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

void fuzz_target_open311(const org_t *org, const uint8_t *data, size_t len)
{
    char *body = malloc(len + 1);
    if (!body)
        return;
    memcpy(body, data, len);
    body[len] = '\0';
    struct evkeyvalq args;
    TAILQ_INIT(&args);
    if (intake_open311_parse_form(body, len, &args) == OPEN311_FORM_OK) {
        intake_request_t *r = NULL;
        intake_error_t err;
        memset(&err, 0, sizeof(err));
        if (intake_open311_build(org, &args, &r, &err) == 0) {
            fuzz_took();
            if (!r || !r->subject || !r->description || !r->channel ||
                strcmp(r->channel, "open311") != 0)
                fuzz_fail("open311", data, len,
                          "took a case without subject, description or channel");
            else if (text_check(r->subject, false, NULL, NULL) != TEXT_OK ||
                     text_check(r->description, true, NULL, NULL) != TEXT_OK)
                fuzz_fail("open311", data, len, "took a control character");
            intake_request_destroy(&r);
        } else if (r || err.status < 400 || err.status > 499 || !err.detail[0]) {
            fuzz_fail("open311", data, len, "refused without a 4xx status and a reason");
            intake_request_destroy(&r);
        }
    }
    evhttp_clear_headers(&args);
    free(body);
}

void fuzz_target_calendar(const org_t *org, const uint8_t *data, size_t len)
{
    (void)org;
    const uint8_t *nul = memchr(data, '\0', len);
    size_t hours_len = nul ? (size_t)(nul - data) : len;
    calendar_text_t year = {.year = 2017,
                            .text = nul ? (const char *)nul + 1 : "",
                            .len = nul ? len - hours_len - 1 : 0};
    calendar_t *cal =
        calendar_new_from_texts(len ? (const char *)data : "", hours_len, &year, 1);
    if (!cal)
        return;
    fuzz_took();
    const int64_t start = 1485417600000000LL; /* 2017-01-26T08:00Z */
    int64_t day = calendar_day_length_us(cal);
    if (day <= 0 || day > 86400000000LL)
        fuzz_fail("calendar", data, len, "a working day outside 0..24 h");
    static const int64_t spans[] = {1, 3600000000LL, 8 * 3600000000LL, 30 * 86400000000LL};
    int64_t before = start;
    for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
        int64_t at = calendar_add_working(cal, start, spans[i]);
        if (at < before)
            fuzz_fail("calendar", data, len, "adding more working time ended earlier");
        before = at;
    }
    int64_t days = calendar_add_days_from_next(cal, start, 5);
    if (days < start)
        fuzz_fail("calendar", data, len, "working days counted back in time");
    calendar_destroy(&cal);
}

/* A string field a console bounds before anything else reads it. */
static void s_bounded(const char *target, const uint8_t *data, size_t len, const char *s)
{
    if (s && strlen(s) > len)
        fuzz_fail(target, data, len, "a string longer than its message");
}

void fuzz_target_console(const org_t *org, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    const uint8_t *body = data + 1;
    size_t n = len - 1;
    switch (data[0] % 5) {
    case 0: {
        Duban__ConsoleHello *m = duban__console_hello__unpack(NULL, n, body);
        if (m) {
            fuzz_took();
            s_bounded("console", data, len, m->division);
            org_division_find(org, m->division);
            duban__console_hello__free_unpacked(m, NULL);
        }
        break;
    }
    case 1: {
        Duban__TaskAction *m = duban__task_action__unpack(NULL, n, body);
        if (m) {
            fuzz_took();
            s_bounded("console", data, len, m->text);
            (void)dispatch_action_parse(m->action);
            calendar_window_t w = {0};
            if (m->window && calendar_parse_window(m->window, &w) == 0 &&
                (w.amount < 0 || w.amount > CALENDAR_MAX_AMOUNT))
                fuzz_fail("console", data, len, "took an extension window out of bounds");
            duban__task_action__free_unpacked(m, NULL);
        }
        break;
    }
    case 2: {
        Duban__AlertsHello *m = duban__alerts_hello__unpack(NULL, n, body);
        if (m) {
            fuzz_took();
            s_bounded("console", data, len, m->token);
            duban__alerts_hello__free_unpacked(m, NULL);
        }
        break;
    }
    case 3: {
        Duban__AlertAck *m = duban__alert_ack__unpack(NULL, n, body);
        if (m) {
            fuzz_took();
            s_bounded("console", data, len, m->decision);
            duban__alert_ack__free_unpacked(m, NULL);
        }
        break;
    }
    default: {
        Duban__BulletinRequest *m = duban__bulletin_request__unpack(NULL, n, body);
        if (m) {
            fuzz_took();
            bulletin_period_t p;
            bulletin_kind_t k;
            if (m->period && bulletin_period_parse(m->period, &p) == 0)
                s_bounded("console", data, len, m->period);
            if (m->kind)
                (void)bulletin_kind_parse(m->kind, &k);
            duban__bulletin_request__free_unpacked(m, NULL);
        }
        break;
    }
    }
}

static int s_add(uint8_t **data, size_t *lens, int n, int max, const void *bytes, size_t len)
{
    if (n >= max || !(data[n] = malloc(len ? len : 1)))
        return n;
    memcpy(data[n], bytes, len);
    lens[n] = len;
    return n + 1;
}

static int s_add_packed(uint8_t **data, size_t *lens, int n, int max, uint8_t pick,
                        const ProtobufCMessage *m)
{
    uint8_t buf[1024];
    size_t len = protobuf_c_message_get_packed_size(m);
    if (len + 1 > sizeof(buf))
        return n;
    buf[0] = pick;
    protobuf_c_message_pack(m, buf + 1);
    return s_add(data, lens, n, max, buf, len + 1);
}

int fuzz_more_seeds(const char *target, uint8_t **data, size_t *lens, int max)
{
    int n = 0;
    if (strcmp(target, "open311") == 0) {
        static const char *const forms[] = {
            "api_key=k&service_code=metrology&description=%E5%8A%A0%E6%B2%B9%E6%9C%BA%E5%B0%91%E5%8A%A0"
            "&lat=38.04&long=114.51&first_name=%E5%BC%A0&last_name=%E4%B8%89&phone=13800001111",
            "api_key=k&service_code=special-equipment&description=lift&address_string=%E7%9F%B3"
            "&attribute%5Bkind%5D=report&attribute%5Benterprise%5D=ACME&email=a%40b.c",
            "service_code=&description=&lat=999&long=-999",
            "a=1&&b&=c&%zz=%",
        };
        for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
            n = s_add(data, lens, n, max, forms[i], strlen(forms[i]));
    } else if (strcmp(target, "calendar") == 0) {
        static const char hours[] = "zone = \"Asia/Shanghai\";\nutc_offset = \"+08:00\";\n"
                                    "hours = [\"08:30-12:00\", \"13:30-17:30\"];\n";
        static const char year[] = "year = 2017;\nholidays = [\"2017-01-27\", \"2017-01-30\"];\n"
                                   "makeup_workdays = [\"2017-01-22\"];\n";
        uint8_t buf[512];
        memcpy(buf, hours, sizeof(hours) - 1);
        buf[sizeof(hours) - 1] = '\0';
        memcpy(buf + sizeof(hours), year, sizeof(year) - 1);
        n = s_add(data, lens, n, max, buf, sizeof(hours) + sizeof(year) - 1);
        static const char utc[] = "zone = \"UTC\";\nhours = [\"00:00-24:00\"];\n";
        n = s_add(data, lens, n, max, utc, sizeof(utc) - 1);
    } else if (strcmp(target, "console") == 0) {
        Duban__ConsoleHello hello = DUBAN__CONSOLE_HELLO__INIT;
        hello.division = "metrology";
        hello.token = "t0k3n";
        n = s_add_packed(data, lens, n, max, 0, &hello.base);
        Duban__TaskAction act = DUBAN__TASK_ACTION__INIT;
        act.action = "extend";
        act.case_number = "DB20170126000042";
        act.window = "5d";
        act.text = "需要检测";
        n = s_add_packed(data, lens, n, max, 1, &act.base);
        Duban__AlertsHello ah = DUBAN__ALERTS_HELLO__INIT;
        ah.token = "t0k3n";
        n = s_add_packed(data, lens, n, max, 2, &ah.base);
        Duban__AlertAck ack = DUBAN__ALERT_ACK__INIT;
        ack.alert_id = 7;
        ack.decision = "已督办";
        n = s_add_packed(data, lens, n, max, 3, &ack.base);
        Duban__BulletinRequest br = DUBAN__BULLETIN_REQUEST__INIT;
        br.action = "show";
        br.period = "2017-Q2";
        br.kind = "quarter";
        n = s_add_packed(data, lens, n, max, 4, &br.base);
    }
    return n;
}
