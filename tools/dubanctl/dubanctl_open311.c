/* Placeholder until the Open311 client administration lands. */
#include "dubanctl.h"

#include <stdio.h>

int ctl_open311(ctl_t *ctl, int argc, char **argv)
{
    fprintf(stderr, "error: Open311 client administration is not available yet\n");
    return CTL_FAILED;
}
