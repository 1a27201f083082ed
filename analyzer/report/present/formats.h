/* The report's output formats.  Each writes the whole report for one analysis.
 *
 * Invariants
 *  - Formats only present: they never change the analysis or decide anything.
 *  - Suppressed findings are counted everywhere but listed nowhere; filtered cycles
 *    are listed only with verbose (text, json) and always drawn (dot, dashed).
 *  - docs/json-report.md documents the JSON; SARIF follows SARIF 2.1.0.
 */
#ifndef LOCKGRAPH_FORMATS_H
#define LOCKGRAPH_FORMATS_H

#include <stdio.h>

#include "findings.h"

typedef struct lg_format_opts {
    gboolean verbose;
    unsigned top; /* rows of the contention table */
    gboolean graph_all; /* dot: the whole lock-order graph, not only the cycles */
    const char *source_root; /* sarif: URIs relative to this directory; NULL: the git
                                toplevel of the sources, if any (sarif_uri.h) */
} lg_format_opts;

void lg_format_text(FILE *out, const lg_analysis *a, const lg_format_opts *o);
void lg_format_json(FILE *out, const lg_analysis *a, const lg_format_opts *o);
void lg_format_sarif(FILE *out, const lg_analysis *a, const lg_format_opts *o);
void lg_format_dot(FILE *out, const lg_analysis *a, const lg_format_opts *o);
/* One self-contained HTML page (format_html.c). */
void lg_format_html(FILE *out, const lg_analysis *a, const lg_format_opts *o);
void lg_format_junit(FILE *out, const lg_analysis *a, const lg_format_opts *o);

/* One finding's section of the text report (numbered no), for formats that embed
 * the text (JUnit's failure body). */
void lg_format_text_finding(FILE *out, const lg_finding *f, unsigned no);

/* The text report's deadlock scenario of f (one column per thread), or nothing when
 * f is not a reported cycle: the HTML report shows the same table. */
void lg_format_text_scenario(FILE *out, const lg_finding *f, gboolean verbose);

/* Millisecond text of a nanosecond duration ("12.345"), as the contention tables
 * print it (format_ms.c). */
char *lg_format_ms(uint64_t ns);

#endif
