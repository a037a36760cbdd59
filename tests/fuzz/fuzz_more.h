/* Fuzz targets beside fuzz_inputs.c's own: Open311 form bodies, the
 * business calendar's files, console requests, imported files. Each target checks its
 * parser's contract and calls fuzz_fail on a breach. */
#ifndef DUBAN_FUZZ_MORE_H
#define DUBAN_FUZZ_MORE_H

#include "org.h"

#include <stddef.h>
#include <stdint.h>

void fuzz_fail(const char *target, const uint8_t *data, size_t len, const char *why);
void fuzz_took(void); /* the parser took the input */

void fuzz_target_open311(const org_t *org, const uint8_t *data, size_t len);
void fuzz_target_calendar(const org_t *org, const uint8_t *data, size_t len);
void fuzz_target_console(const org_t *org, const uint8_t *data, size_t len);

/* fuzz_import.c: dubanctl's readers of imported CSV and ledger files. */
void fuzz_target_csv(const org_t *org, const uint8_t *data, size_t len);
void fuzz_target_history(const org_t *org, const uint8_t *data, size_t len);
int fuzz_import_seeds(const char *target, uint8_t **data, size_t *lens, int max);

/* The seeds of one of these targets as texts or bytes: fills up to max
 * (data malloc'd), returns how many; 0 for a name it does not know. */
int fuzz_more_seeds(const char *target, uint8_t **data, size_t *lens, int max);

#endif
