/* Stand-in for the shim's side of the run-index contract (analyzer/run_index.h):
 * when preloaded, appends "<pid>\t<absolute log path>\n" to $LOCKGRAPH_RUN_INDEX in
 * one write, as the shim does for each log it opens.  It writes no log: the launcher
 * tests that use it are about how the launcher reads the index. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void lgrun_index_writer(void)
{
    const char *index = getenv("LOCKGRAPH_RUN_INDEX");
    if (!index)
        return;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return;
    char line[4200];
    int n = snprintf(line, sizeof line, "%d\t%s/lockgraph.%d.log\n", (int)getpid(), cwd,
                     (int)getpid());
    int fd = open(index, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return;
    if (n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) != n)
        perror("index_writer");
    close(fd);
}
