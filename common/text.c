/* Checks and escapes of outside text; see text.h. */
#include "text.h"

#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence at p with its code point, 0 when invalid
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). A
 * NUL is never a continuation byte, so a sequence cut short by the end of
 * the string is invalid too. */
static size_t s_decode(const unsigned char *p, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        *cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        *cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        unsigned char b = p[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
            return 0;
        *cp = (*cp << 6) | (b & 0x3F);
    }
    return n;
}

static bool s_is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

text_status_t text_check(const char *s, bool multiline, size_t *offset, uint32_t *code_point)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p[i]) {
        uint32_t cp = 0;
        size_t n = s_decode(p + i, &cp);
        if (n == 0) {
            if (offset)
                *offset = i;
            return TEXT_INVALID_UTF8;
        }
        if (s_is_control(cp) && !(multiline && (cp == '\n' || cp == '\t'))) {
            if (offset)
                *offset = i;
            if (code_point)
                *code_point = cp;
            return TEXT_CONTROL;
        }
        i += n;
    }
    return TEXT_OK;
}

void text_normalize_newlines(char *s)
{
    char *out = s;
    for (const char *in = s; *in; in++) {
        if (in[0] == '\r' && in[1] == '\n')
            continue;
        *out++ = *in;
    }
    *out = '\0';
}

const char *text_describe(text_status_t status, size_t offset, uint32_t code_point, char *buf,
                          size_t len)
{
    switch (status) {
    case TEXT_OK:
        snprintf(buf, len, "is valid text");
        break;
    case TEXT_INVALID_UTF8:
        snprintf(buf, len, "is not valid UTF-8 (byte %zu)", offset);
        break;
    case TEXT_CONTROL:
        snprintf(buf, len, "contains the control character U+%04X at byte %zu",
                 (unsigned)code_point, offset);
        break;
    }
    return buf;
}

/* The byte held back at the end of a piece: 0xC2 may start a C1 character
 * whose second byte comes with the next piece. */
#define TEXT_HELD_C2 1

static void s_emit_escape(uint32_t cp, text_emit_fn emit, void *arg)
{
    char esc[8];
    int n = cp >= 0x80 ? snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp)
                       : snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
    emit(esc, (size_t)n, arg);
}

void text_escape_stream(const char *s, size_t len, bool keep_newlines, unsigned char *state,
                        text_emit_fn emit, void *arg)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0; /* bytes p[run..i) pass unchanged */
    if (*state == TEXT_HELD_C2) {
        *state = 0;
        if (len == 0) {
            emit("\xC2", 1, arg);
            return;
        }
        if (p[0] >= 0x80 && p[0] <= 0x9F) {
            s_emit_escape(p[0], emit, arg);
            i = run = 1;
        } else {
            emit("\xC2", 1, arg);
        }
    }
    while (i < len) {
        unsigned char c = p[i];
        uint32_t control = 0x100; /* none */
        size_t width = 1;
        if (c < 0x20 || c == 0x7F) {
            if (!(keep_newlines && (c == '\n' || c == '\t')))
                control = c;
        } else if (c == 0xC2) {
            if (i + 1 == len) {
                if (i > run)
                    emit((const char *)p + run, i - run, arg);
                *state = TEXT_HELD_C2;
                return;
            }
            if (p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {
                control = p[i + 1];
                width = 2;
            }
        }
        if (control == 0x100) {
            i++;
            continue;
        }
        if (i > run)
            emit((const char *)p + run, i - run, arg);
        s_emit_escape(control, emit, arg);
        i += width;
        run = i;
    }
    if (i > run)
        emit((const char *)p + run, i - run, arg);
}

typedef struct {
    char *out;
    size_t cap;
    size_t used;
    bool full;
} s_buffer_t;

static void s_buffer_emit(const char *bytes, size_t len, void *arg)
{
    s_buffer_t *b = arg;
    if (b->full)
        return;
    size_t room = b->cap - 1 - b->used;
    if (len > room) {
        b->full = true;
        /* An escape is all or nothing; plain text is cut at a character's start. */
        if (bytes[0] == '\\')
            return;
        len = room;
        while (len > 0 && ((unsigned char)bytes[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(b->out + b->used, bytes, len);
    b->used += len;
}

size_t text_escape(const char *s, size_t len, char *out, size_t cap, bool keep_newlines)
{
    if (cap == 0)
        return 0;
    s_buffer_t b = {.out = out, .cap = cap};
    unsigned char state = 0;
    text_escape_stream(s, len, keep_newlines, &state, s_buffer_emit, &b);
    text_escape_stream(NULL, 0, keep_newlines, &state, s_buffer_emit, &b);
    out[b.used] = '\0';
    return b.used;
}

const char *text_json_error(const json_error_t *err, char *out, size_t len)
{
    const char *near = strstr(err->text, " near ");
    int n = near ? (int)(near - err->text) : (int)strnlen(err->text, sizeof(err->text));
    char message[JSON_ERROR_TEXT_LENGTH];
    text_escape(err->text, (size_t)n, message, sizeof(message), false);
    snprintf(out, len, "%s (line %d, column %d)", message, err->line, err->column);
    return out;
}
