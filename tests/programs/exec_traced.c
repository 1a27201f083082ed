/* exec_traced PROG [ARGS...]: takes a lock (consistent use, nothing to report),
 * then replaces itself with PROG.  Under lockgraph with --trace-children=yes (the
 * default) both process images write a log; with --trace-children=no only this one
 * does. */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"
#include <unistd.h>

static pthread_mutex_t before_exec = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: exec_traced PROG [ARGS...]\n");
        return 2;
    }
    pthread_mutex_lock(&before_exec);
    pthread_mutex_unlock(&before_exec);
    printf("exec_traced %d execs %s\n", (int)getpid(), argv[1]);
    fflush(stdout);
    execv(argv[1], argv + 1);
    perror("execv");
    return 3;
}
