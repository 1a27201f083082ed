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

/* What the logs of a run hold, for `lockgraph run`'s closing line. */
typedef struct lg_run_summary {
    int status;              /* as lg_report_check: 0, 1 (a --fail-on finding), 2 */
    unsigned logs;           /* logs read */
    unsigned unreadable;     /* logs that could not be read */
    unsigned findings;       /* reported (not suppressed) findings, every kind */
    unsigned failing;        /* those of a --fail-on kind */
    unsigned by_kind[16];    /* reported findings per kind (index: the kind's code) */
    unsigned untraced;       /* programs exec'd without the shim (UNTRACED records) */
    char untraced_first[1200]; /* the first one: "PATH was not traced: WHY" */
} lg_run_summary;

/* lg_report_check, and what it counted.  Prints nothing but errors. */
int lg_report_summary(const char *const *logs, size_t nlogs, const char *fail_on,
                      const char *suppressions, lg_run_summary *out);

/* `lockgraph dump LOG...` (argv[0] is "dump"): a log's contents, line by line. */
int lg_dump_main(int argc, char **argv);

/* `lockgraph run ARGS...` (argv[0] is "run").  Returns the exit status. */
int lg_run_main(int argc, char **argv);

#endif
