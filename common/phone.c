/* See phone.h. */
#include "phone.h"

#include <string.h>

int phone_digits(const char *phone, char *out, size_t len)
{
    if (len > 0)
        out[0] = '\0';
    if (!phone || len == 0)
        return -1;
    size_t n = 0;
    for (const char *c = phone; *c; c++) {
        if (*c < '0' || *c > '9')
            continue;
        if (n + 1 >= len) {
            out[0] = '\0';
            return -1;
        }
        out[n++] = *c;
    }
    out[n] = '\0';
    return (int)n;
}

bool phone_looks_like(const char *text)
{
    int digits = 0;
    for (const char *c = text; c && *c; c++) {
        if (*c >= '0' && *c <= '9')
            digits++;
        else if (!strchr(" +-().", *c))
            return false;
    }
    return digits >= PHONE_MIN_DIGITS;
}
