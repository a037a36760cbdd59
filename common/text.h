/* Text that came from outside: the one check every intake path applies
 * (valid UTF-8, no control characters) and the one escape for whatever
 * reaches a terminal or a log anyway.
 *
 * Control characters are C0 (U+0000-U+001F), DEL (U+007F) and C1
 * (U+0080-U+009F). A terminal acts on them (ESC starts a sequence that can
 * clear the screen or move the cursor, CR rewrites a line, C1 CSI does what
 * ESC [ does on some terminals), so none is stored: text fields refuse them
 * all, and multi-line fields (descriptions, replies, reasons) allow only
 * newline and tab. CR LF, as HTML forms and Open311 clients send line ends,
 * is normalised to LF before the check; a lone CR is refused. */
#ifndef DUBAN_TEXT_H
#define DUBAN_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    TEXT_OK,
    TEXT_INVALID_UTF8, /* a byte sequence that is not UTF-8 (overlong, surrogate, cut short) */
    TEXT_CONTROL,      /* a control character the field does not allow */
} text_status_t;

/* Checks s (NUL-terminated). multiline allows newline and tab. On a
 * failure *offset (when not NULL) is the byte offset of the fault and
 * *code_point (when not NULL) the control character found. */
text_status_t text_check(const char *s, bool multiline, size_t *offset, uint32_t *code_point);

/* Rewrites every CR LF in s to LF, in place. */
void text_normalize_newlines(char *s);

/* Describes a failed check for an error message, e.g. "contains the control
 * character U+001B at byte 12", into buf. Returns buf. */
const char *text_describe(text_status_t status, size_t offset, uint32_t code_point, char *buf,
                          size_t len);

/* Escapes len bytes of s into out (cap bytes, always NUL-terminated when cap
 * > 0): every control character becomes "\xNN" (C0, DEL) or "\u00NN" (C1),
 * except newline and tab when keep_newlines. Other bytes, including invalid
 * UTF-8, pass unchanged. Returns the length written (truncated at a whole
 * escape when out is too small). */
size_t text_escape(const char *s, size_t len, char *out, size_t cap, bool keep_newlines);

/* Streaming form of text_escape for output that arrives in pieces (a C1
 * character may be split between two writes): state starts at 0 and is
 * passed from piece to piece. emit is called with escaped bytes. */
typedef void (*text_emit_fn)(const char *bytes, size_t len, void *arg);
void text_escape_stream(const char *s, size_t len, bool keep_newlines, unsigned char *state,
                        text_emit_fn emit, void *arg);

/* Describes a JSON parse failure without quoting the input: jansson's
 * message ends "near '<the bytes at fault>'", which can hold a requester's
 * phone number or bytes a terminal acts on. Writes e.g. "'}' expected
 * (line 3, column 14)" into out; returns out. */
const char *text_json_error(const json_error_t *err, char *out, size_t len);

#define TEXT_JSON_ERROR_MAX (JSON_ERROR_TEXT_LENGTH + 48)
/* text_json_error into a buffer of the calling expression's own. */
#define text_json_err(err) text_json_error((err), (char[TEXT_JSON_ERROR_MAX]){0}, TEXT_JSON_ERROR_MAX)

#endif
