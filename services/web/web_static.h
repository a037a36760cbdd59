/* The console's files: pages (deploy/web/pages/NAME.html) and assets
 * (deploy/web/assets/: CSS, scripts, images), read once at start into memory
 * and served with an ETag (a page asks again each time, so a new release is
 * picked up at the next load, and an unchanged file costs a 304). No build
 * step and nothing from outside: what is in the folder is what is served.
 *
 * URLs: /console/ is pages/home.html; /console/NAME is pages/NAME.html;
 * /console/cases/NUMBER is pages/case.html (the page reads the number from
 * its address); /assets/PATH is assets/PATH. Anything else is the Chinese
 * 404 page. A page added to pages/ is served without touching C. */
#ifndef DUBAN_WEB_STATIC_H
#define DUBAN_WEB_STATIC_H

#include <stdbool.h>

struct evhttp_request;

typedef struct web_static web_static_t;

/* Reads dir/pages and dir/assets. NULL (logged) when dir has no pages. */
web_static_t *web_static_new(const char *dir);
void web_static_destroy(web_static_t **self_p);

/* Serves path if it is a console page or an asset; false (nothing sent)
 * when path is neither under /console nor /assets. */
bool web_static_serve(web_static_t *self, struct evhttp_request *req, const char *path);

/* Number of files held. */
int web_static_count(const web_static_t *self);

#endif
