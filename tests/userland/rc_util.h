/* Printing the result of a system call, for tests that print one line per call:
 * print_rc() writes the label, then "-1 ERRNAME" (errno's name) for a negative result,
 * else the value or just "ok". Each test wraps it in its own one-line rc() with its format. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* width > 0: `what` padded to width columns; width 0: "what:". value 0: "ok" for success */
static inline void print_rc(int width, int value, const char *what, long r)
{
    int e = errno;
    if (width)
        printf("%-*s ", width, what);
    else
        printf("%s: ", what);
    if (r < 0)
        printf("-1 %s\n", strerrorname_np(e));
    else if (value)
        printf("%ld\n", r);
    else
        printf("ok\n");
}
