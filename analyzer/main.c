/* The `lockgraph` command: dispatches to its subcommands. */
#include "commands.h"
#include "lg_commit.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lockgraph run [OPTIONS] [--] PROG [ARGS...]\n"
            "       lockgraph report [--format text|json|sarif|dot|html|junit] [-o FILE] [--suppressions FILE]\n"
            "                        [--fail-on KINDS] [--verbose] [--top N] LOG...\n"
            "       lockgraph dump LOG...\n"
            "       lockgraph --help | --version\n"
            "\n"
            "`lockgraph run --help` and `lockgraph report --help` describe each command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "run") == 0)
        return lg_run_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return lg_report_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "dump") == 0)
        return lg_dump_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lockgraph %s (commit %s)\n", LG_VERSION, LG_COMMIT);
        return 0;
    }
    fprintf(stderr, "lockgraph: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
