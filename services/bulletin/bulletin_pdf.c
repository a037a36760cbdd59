/* Printing a bulletin to PDF; see bulletin_pdf.h. */
#define _XOPEN_SOURCE 700
#include "bulletin_pdf.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Runs argv (in a process group of its own), output to /dev/null, for at
 * most timeout_s. Returns its exit status, or -1 (logged). */
static int s_run(char *const *argv, int timeout_s)
{
    pid_t pid = fork();
    if (pid < 0) {
        log_error("could not start program", "program=%s err=%s", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    struct timespec step = {0, 100 * 1000 * 1000};
    for (int waited = 0; waited < timeout_s * 10; waited++) {
        int st = 0;
        pid_t done = waitpid(pid, &st, WNOHANG);
        if (done == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        if (done < 0 && errno != EINTR) {
            log_error("could not wait for program", "program=%s err=%s", argv[0], strerror(errno));
            return -1;
        }
        nanosleep(&step, NULL);
    }
    log_error("program did not finish in time; stopped", "program=%s timeout_s=%d", argv[0],
              timeout_s);
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

int bulletin_pdf_write(const char *chromium, const char *html_path, const char *pdf_path,
                       int timeout_s)
{
    const char *tmpdir = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    char profile[PATH_MAX], tmp[PATH_MAX + 16], url[PATH_MAX + 8], out[PATH_MAX + 32],
        user_data[PATH_MAX + 32];
    snprintf(profile, sizeof(profile), "%s/duban-pdf.XXXXXX", tmpdir);
    if (!mkdtemp(profile)) {
        log_error("could not make a folder for chromium", "dir=%s err=%s", tmpdir, strerror(errno));
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", pdf_path, (long)getpid());
    snprintf(url, sizeof(url), "file://%s", html_path);
    snprintf(out, sizeof(out), "--print-to-pdf=%s", tmp);
    snprintf(user_data, sizeof(user_data), "--user-data-dir=%s", profile);
    /* Chromium's sandbox refuses to run as root; the page is our own
     * rendering, with no script and no outside resource. */
    char *argv[] = {(char *)chromium,         "--headless",
                    "--disable-gpu",          "--disable-dev-shm-usage",
                    "--no-first-run",         "--no-pdf-header-footer",
                    user_data,                out,
                    geteuid() == 0 ? "--no-sandbox" : "--headless", url,
                    NULL};
    int rc = s_run(argv, timeout_s);
    struct stat st;
    int ok = rc == 0 && stat(tmp, &st) == 0 && st.st_size > 0;
    if (!ok)
        log_error("could not print to PDF", "html=%s chromium=%s status=%d", html_path, chromium,
                  rc);
    else if (rename(tmp, pdf_path) < 0) {
        log_error("could not write PDF", "file=%s err=%s", pdf_path, strerror(errno));
        ok = 0;
    }
    if (!ok)
        unlink(tmp);
    nftw(profile, s_remove, 16, FTW_DEPTH | FTW_PHYS);
    return ok ? 0 : -1;
}
