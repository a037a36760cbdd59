/* tools/dubanctl/port_reserve.c: a benchmark's scratch deployment gets ports
 * that no other run has reserved, that nothing has bound and that lie below
 * the kernel's ephemeral range, each once. */
#include "port_reserve.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

/* Whether another run could lock the port in the shared folder now. */
static int s_lock_free(const char *dir, int port)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%d", dir, port);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    int free_now = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return free_now;
}

static void s_range_of_one(int port)
{
    char range[32];
    snprintf(range, sizeof(range), "%d-%d", port, port);
    setenv("DUBAN_PORT_RANGE", range, 1);
}

/* Eight ports of the default range: distinct, below the ephemeral range,
 * held against other runs until released. */
static void test_default_range(void **state)
{
    (void)state;
    unsetenv("DUBAN_PORT_RANGE");
    unsetenv("DUBAN_PORT_LOCK_DIR");
    int ephemeral = 65536;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        assert_int_equal(fscanf(f, "%d", &ephemeral), 1);
        fclose(f);
    }
    int ports[8];
    for (int i = 0; i < 8; i++) {
        ports[i] = port_reserve();
        assert_in_range(ports[i], 10000, 65535);
        assert_true(ports[i] < ephemeral);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(ports[i], ports[j]);
        assert_false(s_lock_free("/tmp/duban-ports", ports[i]));
    }
    port_reserve_release_all();
    for (int i = 0; i < 8; i++)
        assert_true(s_lock_free("/tmp/duban-ports", ports[i]));
}

/* In a folder of the test's own, ranges of one port that the test holds in
 * the shared folder (so that no other run touches them): a port locked by
 * another run, or bound, or reserved already is passed over. */
static void test_passes_over(void **state)
{
    (void)state;
    unsetenv("DUBAN_PORT_RANGE");
    unsetenv("DUBAN_PORT_LOCK_DIR");
    int locked = port_reserve(), bound = port_reserve(), twice = port_reserve();
    assert_true(locked > 0 && bound > 0 && twice > 0);
    char dir[] = "/tmp/test_port_reserve.XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("DUBAN_PORT_LOCK_DIR", dir, 1);

    /* Locked by another run (another open file of the same lock). */
    char path[512];
    snprintf(path, sizeof(path), "%s/%d", dir, locked);
    int other = open(path, O_RDONLY | O_CREAT, 0644);
    assert_true(other >= 0);
    assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
    s_range_of_one(locked);
    assert_int_equal(port_reserve(), 0);
    close(other);
    assert_int_equal(port_reserve(), locked);

    /* Bound by a listener that holds no lock. */
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)bound),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(listener, 1), 0);
    s_range_of_one(bound);
    assert_int_equal(port_reserve(), 0);
    close(listener);
    assert_int_equal(port_reserve(), bound);

    /* Reserved by this process already. */
    s_range_of_one(twice);
    assert_int_equal(port_reserve(), twice);
    assert_int_equal(port_reserve(), 0);

    /* A range that is not one. */
    setenv("DUBAN_PORT_RANGE", "31000", 1);
    assert_int_equal(port_reserve(), 0);
    setenv("DUBAN_PORT_RANGE", "900-1000", 1);
    assert_int_equal(port_reserve(), 0);

    port_reserve_release_all();
    char name[32];
    for (int i = 0; i < 3; i++) {
        int p = i == 0 ? locked : i == 1 ? bound : twice;
        snprintf(name, sizeof(name), "%s/%d", dir, p);
        unlink(name);
    }
    rmdir(dir);
    unsetenv("DUBAN_PORT_LOCK_DIR");
    unsetenv("DUBAN_PORT_RANGE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_range),
        cmocka_unit_test(test_passes_over),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
