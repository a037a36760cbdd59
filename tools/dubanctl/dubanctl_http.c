/* dubanctl's HTTP client (libcurl) and output helpers. */
#include "dubanctl.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *data;
    size_t len;
} buffer_t;

static size_t s_collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    buffer_t *b = arg;
    size_t n = size * nmemb;
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

const char *ctl_intake_url(ctl_t *ctl, char *buf, size_t len)
{
    snprintf(buf, len, "http://%s", settings_string(ctl->settings, "intake.http", "127.0.0.1:7100"));
    return buf;
}

int ctl_http(ctl_t *ctl, const char *method, const char *path, const char *body, json_t **reply)
{
    char base[160], url[512];
    snprintf(url, sizeof(url), "%s%s", ctl_intake_url(ctl, base, sizeof(base)), path);
    CURL *curl = curl_easy_init();
    if (!curl)
        return -1;
    buffer_t out = {0};
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (body)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(curl);
    long status = -1;
    if (rc != CURLE_OK) {
        fprintf(stderr, "error: could not reach intake at %s: %s\n"
                        "hint: is duban running? start it with tools/up, or pass --config\n",
                url, curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        *reply = out.data ? json_loads(out.data, 0, NULL) : NULL;
    }
    free(out.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return (int)status;
}

void ctl_print_problem(int status, json_t *reply)
{
    const char *title = json_string_value(json_object_get(reply, "title"));
    const char *detail = json_string_value(json_object_get(reply, "detail"));
    const char *field = json_string_value(json_object_get(reply, "field"));
    fprintf(stderr, "error (%d): %s%s%s%s%s%s\n", status, title ? title : "request refused",
            detail ? ": " : "", detail ? detail : "", field ? " (field " : "", field ? field : "",
            field ? ")" : "");
}

void ctl_print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2));
    if (text) {
        puts(text);
        free(text);
    }
}
