/* Integers as decimal text without snprintf: the formatting a service does
 * for every case (log fields, statement parameters, array elements), where
 * snprintf's parsing of its format was most of the cost. */
#ifndef DUBAN_DECIMAL_H
#define DUBAN_DECIMAL_H

#include <stdint.h>

/* Room for any 64-bit value: "-9223372036854775808" or "18446744073709551615",
 * and the terminator. */
#define DECIMAL_MAX 21

/* Writes v's decimal digits (after '-' when negative) and a terminator into
 * out (DECIMAL_MAX bytes); returns their length, the terminator not
 * counted. */
int decimal_i64(int64_t v, char *out);
int decimal_u64(uint64_t v, char *out);

#endif
