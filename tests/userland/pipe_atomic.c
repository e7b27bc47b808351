// PIPE_BUF atomicity: several processes writing PIPE_BUF-sized records into one pipe never
// interleave inside a record; each writer's records arrive in order; a large blocking
// write completes in full while a reader drains it.
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITERS 4
#define RECORDS 150

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("PIPE_BUF=%d\n", PIPE_BUF);
    int p[2];
    pipe(p);
    pid_t kids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        kids[w] = fork();
        if (kids[w] == 0) {
            close(p[0]);
            static unsigned char rec[PIPE_BUF];
            for (int i = 0; i < RECORDS; i++) {
                memset(rec, 'A' + w, sizeof rec);
                rec[1] = (unsigned char)(i & 0xff);
                rec[2] = (unsigned char)(i >> 8);
                if (write(p[1], rec, sizeof rec) != (ssize_t)sizeof rec)
                    _exit(1);
            }
            _exit(0);
        }
    }
    close(p[1]);
    static unsigned char rec[PIPE_BUF];
    size_t fill = 0;
    int counts[WRITERS] = { 0 }, torn = 0, out_of_order = 0, odd_sizes = 0;
    ssize_t n;
    /* read in odd-sized pieces so record boundaries never line up with reads */
    unsigned char piece[1000];
    while ((n = read(p[0], piece, sizeof piece)) > 0) {
        for (ssize_t k = 0; k < n; k++) {
            rec[fill++] = piece[k];
            if (fill < sizeof rec)
                continue;
            fill = 0;
            int w = rec[0] - 'A';
            if (w < 0 || w >= WRITERS) {
                torn++;
                continue;
            }
            int bad = 0;
            for (size_t j = 3; j < sizeof rec; j++)
                bad |= rec[j] != rec[0];
            torn += bad;
            int seq = rec[1] | rec[2] << 8;
            out_of_order += seq != counts[w];
            counts[w]++;
        }
    }
    odd_sizes = fill != 0;
    for (int w = 0; w < WRITERS; w++) {
        int st;
        waitpid(kids[w], &st, 0);
        printf("writer %c: %d records, exit %d\n", 'A' + w, counts[w], WEXITSTATUS(st));
    }
    printf("torn records: %d\n", torn);
    printf("records out of order: %d\n", out_of_order);
    printf("trailing partial record: %s\n", odd_sizes ? "yes" : "no");
    close(p[0]);

    /* one big blocking write is completed by the kernel in several steps */
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        static char big[300000];
        for (size_t i = 0; i < sizeof big; i++)
            big[i] = (char)(i % 251);
        ssize_t r = write(p[1], big, sizeof big);
        _exit(r == (ssize_t)sizeof big ? 0 : 1);
    }
    close(p[1]);
    size_t total = 0;
    int content_ok = 1;
    static char buf[7777];
    while ((n = read(p[0], buf, sizeof buf)) > 0) {
        for (ssize_t k = 0; k < n; k++)
            content_ok &= buf[k] == (char)((total + k) % 251);
        total += n;
    }
    int st;
    waitpid(pid, &st, 0);
    printf("big write: reader got %zu bytes, content intact: %s, writer saw full count: %s\n", total,
           content_ok ? "yes" : "no", WEXITSTATUS(st) == 0 ? "yes" : "no");
    return 0;
}
