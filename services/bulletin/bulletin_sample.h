/* The month-check's look-back sample (回头看): of each division's cases
 * closed in the period, ceil(percent% of them) — so at least one where any
 * exist — chosen reproducibly. Each case gets the key SHA-256(label "\n"
 * case_number); the cases with the smallest keys are drawn. The same period
 * label and the same closed cases give the same sample whatever order the
 * rows arrive in; another period gives an unrelated draw. */
#ifndef DUBAN_BULLETIN_SAMPLE_H
#define DUBAN_BULLETIN_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *case_number; /* borrowed */
    int division;            /* index of the division */
    bool workitem;           /* a work item: drawn apart from the complaints */
    bool drawn;              /* set by bulletin_sample_draw */
    uint64_t key;            /* set by bulletin_sample_draw */
} bulletin_sample_item_t;

/* How many of n closed cases are drawn at percent: ceil(n * percent / 100). */
int64_t bulletin_sample_size(int64_t n, int percent);

/* The draw key of a case for a period label. */
uint64_t bulletin_sample_key(const char *label, const char *case_number);

/* Marks the drawn items (drawn = true) per division, and sorts items by
 * division, then case number. Returns 0, or -1 when out of memory. */
int bulletin_sample_draw(const char *label, int percent, bulletin_sample_item_t *items, int n);

#endif
