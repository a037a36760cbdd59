/* The bulletin file (deploy/config/bulletin.conf): schedule, look-back
 * sample share, score weights and penalties, grade thresholds. Checked whole
 * when read (an unknown setting refuses the file) and immutable afterwards. */
#ifndef DUBAN_BULLETIN_CONFIG_H
#define DUBAN_BULLETIN_CONFIG_H

#include "bulletin_document.h"
#include "bulletin_period.h"
#include "settings.h"

#include <stdbool.h>

#define BULLETIN_MAX_GRADES 8

/* The work items' weights and penalties when a file leaves them out: the
 * shipped file's (deploy/config/bulletin.conf). */
#define BULLETIN_DEFAULT_W_WORKITEMS 30
#define BULLETIN_DEFAULT_W_EVALUATION 10
#define BULLETIN_DEFAULT_P_REPORT_MISSED_X10 10
#define BULLETIN_DEFAULT_P_SENT_BACK_X10 20

typedef struct {
    char grade[8]; /* "A" */
    char name[48]; /* "好" */
    int min_x10;   /* lowest score of the grade, in tenths */
} bulletin_grade_t;

typedef struct {
    int at_minute;                  /* schedule time, minutes after local midnight */
    bool scheduled[BULLETIN_KINDS]; /* kinds produced on schedule */
    int sample_percent;             /* 1..100 */
    int w_response, w_ontime, w_satisfaction;
    int w_workitems, w_evaluation; /* work items: on-time rate, public evaluation */
    int p_overdue_x10, p_groundless_x10, p_reopened_x10, p_alert_x10; /* tenths of a point */
    int p_report_missed_x10, p_sent_back_x10;     /* work items: per report missed, sent back */
    bulletin_grade_t grades[BULLETIN_MAX_GRADES]; /* highest min first */
    int ngrades;
    bulletin_document_t doc; /* issuer, number, addressee, copies, unranked divisions */
} bulletin_config_t;

/* Reads and checks path. Returns NULL and logs file, line and setting when
 * it cannot be read or a setting is unknown, missing or out of range (weights
 * 0..100 not all zero, penalties 0..100, grades with falling minimums, the
 * last at 0). Free with bulletin_config_destroy. */
bulletin_config_t *bulletin_config_new(const char *path);

void bulletin_config_destroy(bulletin_config_t **self_p);

/* The bulletin file of these settings: setting bulletin_file, else
 * bulletin.conf beside org_file. Writes into buf. */
const char *bulletin_config_path(settings_t *settings, char *buf, size_t len);

#endif
