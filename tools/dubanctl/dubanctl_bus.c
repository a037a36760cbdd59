/* dubanctl on the bus: `dubanctl keys` makes the deployment's CURVE keys
 * (bus_curve.h), and every command that talks to a service over ZeroMQ
 * connects through ctl_bus_connect, as the client "ctl", so that it reaches
 * the service it means and nothing it sends or receives travels in clear. */
#include "dubanctl.h"

#include "bus.h"
#include "bus_curve.h"
#include "fingerprint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

/* Whose keys `dubanctl keys` makes: every service, and dubanctl itself. */
static const char *const s_key_names[] = {"intake",   "triage", "dispatch", "watch",
                                          "bulletin", "web",    "ctl"};
#define NKEYS (int)(sizeof(s_key_names) / sizeof(s_key_names[0]))

int ctl_keys(ctl_t *ctl, int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "error: keys takes no arguments\n");
        return CTL_USAGE;
    }
    char dir[512];
    fingerprint_secrets_dir(ctl->settings, dir, sizeof(dir));
    int made = bus_curve_keys_create(dir, s_key_names, NKEYS);
    if (made < 0)
        return CTL_FAILED;
    if (ctl->json)
        printf("{\"made\": %d, \"kept\": %d, \"secrets_dir\": \"%s\"}\n", made, NKEYS - made, dir);
    else
        printf("bus keys: %d made, %d kept in %s (allow-list %s)\n", made, NKEYS - made, dir,
               BUS_CURVE_PUBLIC_FILE);
    return CTL_OK;
}

const struct bus_curve *ctl_bus_curve(ctl_t *ctl, bool *ok)
{
    *ok = true;
    if (!ctl->curve_loaded) {
        bool off = false;
        ctl->curve = bus_curve_from_settings(ctl->settings, "ctl", &off);
        ctl->curve_loaded = true;
        ctl->curve_off = off;
    }
    if (!ctl->curve && !ctl->curve_off) {
        fprintf(stderr, "error: no bus key for dubanctl (bus_ctl.key in the secrets folder):"
                        " run dubanctl keys, or set bus.curve = 0 where the bus runs without"
                        " CURVE\n");
        *ok = false;
    }
    return ctl->curve;
}

int ctl_bus_connect(ctl_t *ctl, void *zsock, const char *peer, const char *endpoints)
{
    bool ok = true;
    const struct bus_curve *curve = ctl_bus_curve(ctl, &ok);
    if (!ok)
        return -1;
    if (curve && bus_curve_client(curve, zsock, peer) < 0) {
        fprintf(stderr, "error: cannot connect to %s securely (see above)\n", peer);
        return -1;
    }
    char copy[BUS_MAX_ENDPOINTS_TEXT];
    snprintf(copy, sizeof(copy), "%s", endpoints);
    char *save = NULL;
    int n = 0;
    for (char *ep = strtok_r(copy, ", \t", &save); ep; ep = strtok_r(NULL, ", \t", &save)) {
        if (zmq_connect(zsock, ep) != 0) {
            fprintf(stderr, "error: could not connect to %s at %s: %s\n", peer, ep,
                    zmq_strerror(errno));
            return -1;
        }
        n++;
    }
    if (n == 0) {
        fprintf(stderr, "error: no address of %s to connect to\n", peer);
        return -1;
    }
    return 0;
}
