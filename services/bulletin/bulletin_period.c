/* Bulletin periods; see bulletin_period.h. Dates are proleptic Gregorian,
 * converted with Howard Hinnant's days-from-civil, so no libc time zone
 * state (TZ, localtime) is involved. */
#include "bulletin_period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US (86400LL * 1000000LL)

static const char *s_kinds[BULLETIN_KINDS] = {"month", "quarter", "half", "year"};
static const char *s_kind_names[BULLETIN_KINDS] = {"月检查", "季通报", "半年小结", "年终总评"};
static const int s_kind_months[BULLETIN_KINDS] = {1, 3, 6, 12};

const char *bulletin_kind_str(bulletin_kind_t kind)
{
    return (unsigned)kind < BULLETIN_KINDS ? s_kinds[kind] : "?";
}

const char *bulletin_kind_name(bulletin_kind_t kind)
{
    return (unsigned)kind < BULLETIN_KINDS ? s_kind_names[kind] : "?";
}

int bulletin_kind_parse(const char *text, bulletin_kind_t *kind)
{
    for (int i = 0; text && i < BULLETIN_KINDS; i++)
        if (strcmp(text, s_kinds[i]) == 0) {
            *kind = (bulletin_kind_t)i;
            return 0;
        }
    return -1;
}

static void s_label(bulletin_period_t *p)
{
    switch (p->kind) {
    case BULLETIN_MONTH:
        snprintf(p->label, sizeof(p->label), "%04d-%02d", p->year, p->first_month);
        break;
    case BULLETIN_QUARTER:
        snprintf(p->label, sizeof(p->label), "%04d-Q%d", p->year, (p->first_month - 1) / 3 + 1);
        break;
    case BULLETIN_HALF:
        snprintf(p->label, sizeof(p->label), "%04d-H%d", p->year, (p->first_month - 1) / 6 + 1);
        break;
    case BULLETIN_YEAR:
        snprintf(p->label, sizeof(p->label), "%04d", p->year);
        break;
    }
}

void bulletin_period_of(bulletin_kind_t kind, int year, int month, bulletin_period_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->year = year;
    out->months = s_kind_months[kind];
    out->first_month = (month - 1) / out->months * out->months + 1;
    s_label(out);
}

static bool s_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int bulletin_period_parse(const char *text, bulletin_period_t *out)
{
    if (!text || strlen(text) < 4 || !s_digits(text, 4))
        return -1;
    int year = atoi(text);
    if (year < 1900)
        return -1;
    const char *rest = text + 4;
    size_t n = strlen(rest);
    bulletin_kind_t kind;
    int month;
    if (n == 0) {
        kind = BULLETIN_YEAR;
        month = 1;
    } else if (n == 3 && rest[0] == '-' && s_digits(rest + 1, 2)) {
        kind = BULLETIN_MONTH;
        month = atoi(rest + 1);
        if (month < 1 || month > 12)
            return -1;
    } else if (n == 3 && rest[0] == '-' && (rest[1] == 'Q' || rest[1] == 'q') && rest[2] >= '1' &&
               rest[2] <= '4') {
        kind = BULLETIN_QUARTER;
        month = (rest[2] - '1') * 3 + 1;
    } else if (n == 3 && rest[0] == '-' && (rest[1] == 'H' || rest[1] == 'h') && rest[2] >= '1' &&
               rest[2] <= '2') {
        kind = BULLETIN_HALF;
        month = (rest[2] - '1') * 6 + 1;
    } else {
        return -1;
    }
    bulletin_period_of(kind, year, month, out);
    return 0;
}

int bulletin_period_parse_kind(bulletin_kind_t kind, const char *text, bulletin_period_t *out)
{
    bulletin_period_t p;
    if (bulletin_period_parse(text, &p) < 0 || p.kind != kind)
        return -1;
    *out = p;
    return 0;
}

void bulletin_period_month(const bulletin_period_t *p, int i, int *year, int *month)
{
    int index = p->year * 12 + (p->first_month - 1) + i; /* months since year 0 */
    int y = index >= 0 ? index / 12 : (index - 11) / 12;
    *year = y;
    *month = index - y * 12 + 1;
}

void bulletin_period_previous(const bulletin_period_t *p, bulletin_period_t *out)
{
    int year, month;
    bulletin_period_month(p, -p->months, &year, &month);
    bulletin_period_of(p->kind, year, month, out);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t bulletin_month_start_us(int year, int month, int64_t offset_us)
{
    return s_days_from_civil(year, month, 1) * DAY_US - offset_us;
}

int64_t bulletin_calendar_offset_us(const calendar_t *calendar)
{
    char buf[48];
    calendar_format_instant(calendar, 0, buf, sizeof(buf));
    size_t n = strlen(buf);
    if (n < 6 || buf[n - 1] == 'Z')
        return 0;
    const char *tail = buf + n - 6; /* "+08:00" */
    if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':')
        return 0;
    int64_t minutes = atoi(tail + 1) * 60 + atoi(tail + 4);
    return (tail[0] == '-' ? -minutes : minutes) * 60LL * 1000000LL;
}

void bulletin_period_last_ended(bulletin_kind_t kind, int64_t now_us, int64_t offset_us,
                                bulletin_period_t *out)
{
    /* The local month now falls in, then the period containing it; its
     * predecessor is the latest that has ended. */
    int64_t local_days = (now_us + offset_us) / DAY_US;
    if ((now_us + offset_us) % DAY_US < 0)
        local_days--;
    int year = 1970 + (int)(local_days / 366);
    while (s_days_from_civil(year + 1, 1, 1) <= local_days)
        year++;
    while (s_days_from_civil(year, 1, 1) > local_days)
        year--;
    int month = 1;
    while (month < 12 && s_days_from_civil(year, month + 1, 1) <= local_days)
        month++;
    bulletin_period_t current;
    bulletin_period_of(kind, year, month, &current);
    bulletin_period_previous(&current, out);
}

void bulletin_period_title(const bulletin_period_t *p, char *buf, size_t len)
{
    static const char *quarters[] = {"一", "二", "三", "四"};
    switch (p->kind) {
    case BULLETIN_MONTH:
        snprintf(buf, len, "%d年%d月月检查", p->year, p->first_month);
        break;
    case BULLETIN_QUARTER:
        snprintf(buf, len, "%d年第%s季度通报", p->year, quarters[(p->first_month - 1) / 3]);
        break;
    case BULLETIN_HALF:
        snprintf(buf, len, "%d年%s半年小结", p->year, p->first_month == 1 ? "上" : "下");
        break;
    case BULLETIN_YEAR:
        snprintf(buf, len, "%d年年终总评", p->year);
        break;
    }
}
