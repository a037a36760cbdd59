/* dubanctl: the command-line tool for every duban user. Each command lives in
 * its own file; this header is what they share. */
#ifndef DUBAN_DUBANCTL_H
#define DUBAN_DUBANCTL_H

#include "org.h"
#include "settings.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct {
    settings_t *settings;
    bool json;          /* machine-readable output */
    const char *config; /* the settings file in use */
} ctl_t;

/* Exit codes: 0 done, 1 refused or failed, 2 usage error. */
enum { CTL_OK = 0, CTL_FAILED = 1, CTL_USAGE = 2 };

int ctl_setup(ctl_t *ctl, int argc, char **argv);
int ctl_submit(ctl_t *ctl, int argc, char **argv);
int ctl_show(ctl_t *ctl, int argc, char **argv);
int ctl_tasks(ctl_t *ctl, int argc, char **argv);
int ctl_console(ctl_t *ctl, int argc, char **argv);
int ctl_bench(ctl_t *ctl, int argc, char **argv);

/* The intake base URL, e.g. "http://127.0.0.1:7100". */
const char *ctl_intake_url(ctl_t *ctl, char *buf, size_t len);

/* Performs an HTTP request to intake (body NULL for GET). On success returns
 * the HTTP status and sets *reply (parsed JSON, caller decrefs; NULL if the
 * body was not JSON). Returns -1 when intake could not be reached, after
 * printing why. */
int ctl_http(ctl_t *ctl, const char *method, const char *path, const char *body, json_t **reply);

/* Prints an RFC 9457 problem reply as "error: title: detail (field)". */
void ctl_print_problem(int status, json_t *reply);

/* Prints j as indented JSON on stdout. */
void ctl_print_json(json_t *j);

#endif
