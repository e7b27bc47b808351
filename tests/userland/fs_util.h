/* Scratch-directory paths for the file-system tests: each test makes its directory `dir`
 * with scratch_dir(NAME) (/tmp/NAME.PID) and names the files inside it with at("file"). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

static char dir[64];

/* set dir to /tmp/TEST.PID and return it (the caller makes it) */
static inline const char *scratch_dir(const char *test)
{
    snprintf(dir, sizeof dir, "/tmp/%s.%d", test, getpid());
    return dir;
}

/* "dir/name" in one of four rotating buffers (so a call can take up to four paths) */
static inline const char *at(const char *name)
{
    static char bufs[4][PATH_MAX + 300];
    static int k;
    k = (k + 1) % 4;
    snprintf(bufs[k], sizeof bufs[k], "%s/%s", dir, name);
    return bufs[k];
}
