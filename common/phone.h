/* A requester's phone number in the one form duban compares: its ASCII
 * digits, everything else left out, so "138-0000 1111", "(138) 0000 1111"
 * and "13800001111" are the same caller. Duplicate detection (triage), the
 * caller's history on the hotline desk and search by phone all compare this
 * form, in C (phone_digits) and in SQL (PHONE_DIGITS_SQL, which is also the
 * expression of the index cases_duplicate_idx, migrations 003 and 007: a
 * statement finds that index only when it spells the expression the same). */
#ifndef DUBAN_PHONE_H
#define DUBAN_PHONE_H

#include <stdbool.h>
#include <stddef.h>

/* The digits of column (SQL), e.g. PHONE_DIGITS_SQL("c.requester_phone"). */
#define PHONE_DIGITS_SQL(column) "regexp_replace(" column ", '[^0-9]', '', 'g')"

/* The fewest digits a phone number may have to be looked up: a local
 * number without its area code has seven; a fragment or an extension would
 * match strangers' numbers. */
#define PHONE_MIN_DIGITS 7

/* Writes the ASCII digits of phone into out (len bytes, NUL-terminated).
 * Returns how many digits phone has, or -1 when they do not fit in out
 * (out then holds "") or phone is NULL. */
int phone_digits(const char *phone, char *out, size_t len);

/* True when text reads as a phone number rather than words: only digits,
 * spaces and + - ( ) . and at least PHONE_MIN_DIGITS digits. */
bool phone_looks_like(const char *text);

#endif
