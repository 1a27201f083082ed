/* Entry points of the analyzer that other parts of the `lockgraph` command call.
 * (The launcher uses lg_report_check for --error-exitcode, so `lockgraph run`
 * and `lockgraph report` can never disagree about what is a failing finding.) */
#ifndef LOCKGRAPH_REPORT_API_H
#define LOCKGRAPH_REPORT_API_H

#include <stddef.h>

/* `lockgraph report ARGS...` (argv[0] is "report").  Returns the exit status. */
int lg_report_main(int argc, char **argv);

/* Reads the logs, applies the rules and suppressions, and answers like the report's
 * exit status: 0 no finding of a fail_on kind, 1 at least one, 2 unreadable input.
 * fail_on: comma-separated kinds or "all"; NULL = the default (all but long-hold).
 * suppressions: a suppression file or NULL.  Prints nothing but errors. */
int lg_report_check(const char *const *logs, size_t nlogs, const char *fail_on,
                    const char *suppressions);

/* `lockgraph dump LOG...` (argv[0] is "dump"): a log's contents, line by line. */
int lg_dump_main(int argc, char **argv);

/* `lockgraph run ARGS...` (argv[0] is "run").  Returns the exit status. */
int lg_run_main(int argc, char **argv);

#endif
