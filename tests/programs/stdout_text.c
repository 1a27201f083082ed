/* stdout_text: prints a known text through every common path (printf, puts,
 * fputs, fwrite, putchar, write(2) after fflush) and from threads that lock stdout
 * with flockfile().  Its standard output must be byte-for-byte the same with and
 * without lockgraph.  The text is:
 *   "line N: the quick brown fox\n" for N = 1..200 (printf, buffered)
 *   "puts line\n", "fputs line\n", "fwrite line\n", "xyz\n" (putchar)
 *   "raw write\n" (write(2))
 *   "thread T line K\n" for T = 0..3, K = 0..49 (threads run one after the other)
 *   "end\n"
 */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"
#include <string.h>
#include <unistd.h>

static void *thread_lines(void *arg)
{
    int t = (int)(long)arg;
    for (int k = 0; k < 50; k++) {
        flockfile(stdout);
        printf("thread %d ", t);
        printf("line %d\n", k);
        funlockfile(stdout);
    }
    return NULL;
}

int main(void)
{
    for (int n = 1; n <= 200; n++)
        printf("line %d: the quick brown fox\n", n);
    puts("puts line");
    fputs("fputs line\n", stdout);
    fwrite("fwrite line\n", 1, strlen("fwrite line\n"), stdout);
    putchar('x');
    putchar('y');
    putchar('z');
    putchar('\n');
    fflush(stdout);
    if (write(1, "raw write\n", 10) != 10)
        return 3;
    for (int t = 0; t < 4; t++)
        run_in_thread(thread_lines, (void *)(long)t);
    printf("end\n");
    return 0;
}
