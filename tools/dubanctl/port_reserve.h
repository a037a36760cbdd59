/* Free TCP ports on 127.0.0.1 for the scratch deployments of dubanctl's
 * benchmarks, reserved for the life of this process and its children the
 * way tools/lib/ports.sh reserves them for tools/test and tools/up, so that
 * runs of all three on one machine never pick the same port.
 *
 * A port is taken from 10000 to below the kernel's ephemeral range
 * (ip_local_port_range; DUBAN_PORT_RANGE=LOW-HIGH overrides): a port the
 * kernel chose for a bind(0) lies in that range, where any outgoing
 * connection may take it between the choice and the service's bind (seen:
 * a benchmark's watch refused to start with "Address already in use"). It
 * is reserved by an exclusive flock(2) on the file named after it in the
 * machine's lock folder (DUBAN_PORT_LOCK_DIR, else /tmp/duban-ports), held
 * through a descriptor that the services started later inherit; the kernel
 * frees it when they have all exited, kill -9 included. */
#ifndef DUBAN_PORT_RESERVE_H
#define DUBAN_PORT_RESERVE_H

/* A port no run reserves and nothing has bound, now reserved; 0 when none
 * is left in the range or the lock folder cannot be used (said on stderr). */
int port_reserve(void);

/* Frees every port this process reserved (tests; a process that ends frees
 * them anyway). */
void port_reserve_release_all(void);

#endif
