/* dubanctl status: every service of the deployment the settings describe,
 * with its health (asked at its /healthz), the messages it has committed and
 * not yet delivered (its outbox backlog, and the cases it handed on that the
 * next stage has not taken) and the version it runs. Exit code
 * 0 when every service answers healthy, 1 otherwise, so a script or a
 * supervisor can wait on it. */
#include "dubanctl.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_TIMEOUT_MS 2000L
#define STATUS_MAX_BODY (64 * 1024)

typedef struct {
    char *data;
    size_t len;
} body_t;

static size_t s_collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    body_t *b = arg;
    size_t n = size * nmemb;
    if (b->len + n > STATUS_MAX_BODY)
        return 0;
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->len += n;
    grown[b->len] = '\0';
    b->data = grown;
    return n;
}

/* GET url: the JSON body (NULL when none) and the HTTP status (0: no answer). */
static json_t *s_get_json(const char *url, long *status)
{
    *status = 0;
    CURL *curl = curl_easy_init();
    if (!curl)
        return NULL;
    body_t body = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, STATUS_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    json_t *j = NULL;
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
        if (body.data)
            j = json_loads(body.data, 0, NULL);
    }
    curl_easy_cleanup(curl);
    free(body.data);
    return j;
}

/* Where a service answers /healthz: intake and web on their HTTP address,
 * the others on "<service>.health". NULL when the settings name none. */
static const char *s_health_addr(ctl_t *ctl, const char *svc)
{
    char key[64];
    bool own_http = strcmp(svc, "intake") == 0 || strcmp(svc, "web") == 0;
    snprintf(key, sizeof(key), "%s.%s", svc, own_http ? "http" : "health");
    return settings_string(ctl->settings, key, NULL);
}

int ctl_status(ctl_t *ctl, int argc, char **argv)
{
    static const char *const services[] = {"intake", "triage", "dispatch",
                                           "watch",  "bulletin", "web"};
    if (argc > 1) {
        fprintf(stderr, "usage: dubanctl status [--json]\n");
        return CTL_USAGE;
    }
    json_t *list = json_array();
    bool all_ok = true;
    if (!ctl->json)
        printf("%-9s %-9s %8s %7s  %-22s %s\n", "SERVICE", "HEALTH", "BACKLOG", "PARKED",
               "ADDRESS", "VERSION");
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
        const char *addr = s_health_addr(ctl, services[i]);
        if (!addr)
            continue; /* not part of this deployment */
        char url[300];
        snprintf(url, sizeof(url), "http://%s/healthz", addr);
        long status = 0;
        json_t *h = s_get_json(url, &status);
        const char *health = status == 0 ? "down" : status == 200 ? "ok" : "degraded";
        /* the cases between stages whose message is not in the outbox
         * (handoff.h) wait for delivery too */
        json_t *backlog = json_object_get(h, "outbox_backlog");
        json_t *waiting = json_object_get(h, "handoff_waiting");
        if (json_is_integer(backlog) && json_is_integer(waiting))
            backlog = json_integer(json_integer_value(backlog) + json_integer_value(waiting));
        else
            json_incref(backlog);
        json_t *parked = json_object_get(h, "outbox_parked");
        const char *version = json_string_value(json_object_get(h, "version"));
        all_ok = all_ok && status == 200;
        if (ctl->json) {
            json_t *row = json_pack("{s:s, s:s, s:s}", "service", services[i], "health", health,
                                    "address", addr);
            if (backlog)
                json_object_set(row, "backlog", backlog);
            if (parked)
                json_object_set(row, "parked", parked);
            if (version)
                json_object_set_new(row, "version", json_string(version));
            if (h)
                json_object_set(row, "report", h);
            json_array_append_new(list, row);
        } else {
            char b[24] = "-", p[24] = "-";
            if (json_is_integer(backlog))
                snprintf(b, sizeof(b), "%lld", (long long)json_integer_value(backlog));
            if (json_is_integer(parked))
                snprintf(p, sizeof(p), "%lld", (long long)json_integer_value(parked));
            char safe[64];
            printf("%-9s %-9s %8s %7s  %-22s %s\n", services[i], health, b, p, addr,
                   version ? ctl_flat(version, safe, sizeof(safe)) : "-");
        }
        json_decref(backlog);
        json_decref(h);
    }
    if (ctl->json)
        ctl_print_json(list);
    json_decref(list);
    return all_ok ? CTL_OK : CTL_FAILED;
}
