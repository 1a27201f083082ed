/* JUnit XML (`--format junit`): findings as failed test cases, for CI systems that
 * show JUnit results (GitLab's test report, Jenkins' junit step, ...).
 *
 * One <testsuite name="lockgraph">: for each finding kind, either one failed
 * <testcase> per reported finding (classname "lockgraph.KIND", name "KIND
 * FINGERPRINT", the finding's text report as the failure body) or, when the kind
 * has none, one passing <testcase> "no KIND" so a clean run still shows what was
 * checked.  The fingerprint in the name keeps a test case's identity across runs,
 * as CI history views expect.  Suppressed findings are not listed (as in every
 * format); whether the run fails is --fail-on's business (exit status), not this
 * document's.  Text is escaped for XML 1.0, which cannot carry most control
 * characters even as references: those are replaced by U+FFFD.
 */
#define _GNU_SOURCE
#include "finding_message.h"
#include "formats.h"
#include "names.h"

#include <stdio.h>
#include <string.h>

/* XML 1.0 escaping of s into g; characters XML 1.0 cannot carry become U+FFFD. */
static void xml_escape(GString *g, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '&': g_string_append(g, "&amp;"); break;
        case '<': g_string_append(g, "&lt;"); break;
        case '>': g_string_append(g, "&gt;"); break;
        case '"': g_string_append(g, "&quot;"); break;
        case '\'': g_string_append(g, "&apos;"); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                g_string_append(g, "\xEF\xBF\xBD");
            else
                g_string_append_c(g, (char)*p);
        }
    }
}

/* The finding's section of the text report (the same words a person reads). */
static char *finding_text(const lg_finding *f, unsigned no)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return lg_finding_message(f);
    lg_format_text_finding(m, f, no);
    fclose(m);
    char *out = g_strdup(buf ? buf : "");
    free(buf);
    return out;
}

/* First line of the message, as the failure's one-line summary. */
static char *first_line(const char *s)
{
    if (!s)
        return g_strdup("");
    const char *nl = strchr(s, '\n');
    return nl ? g_strndup(s, (gsize)(nl - s)) : g_strdup(s);
}

void lg_format_junit(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    (void)o;
    GString *cases = g_string_new(NULL);
    unsigned tests = 0, failures = 0, no = 1;
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        const char *kind = lg_finding_kind_name(k);
        unsigned nk = 0;
        for (guint i = 0; i < a->findings->len; i++) {
            const lg_finding *f = g_ptr_array_index(a->findings, i);
            if (f->suppressed || f->kind != k)
                continue;
            nk++;
            char *message = lg_finding_message(f);
            char *text = finding_text(f, no++), *summary = first_line(message);
            g_free(message);
            g_string_append(cases, "    <testcase classname=\"lockgraph.");
            xml_escape(cases, kind);
            g_string_append(cases, "\" name=\"");
            xml_escape(cases, kind);
            g_string_append_c(cases, ' ');
            xml_escape(cases, f->fingerprint);
            g_string_append(cases, "\">\n      <failure type=\"");
            xml_escape(cases, kind);
            g_string_append(cases, "\" message=\"");
            xml_escape(cases, summary);
            g_string_append(cases, "\">");
            xml_escape(cases, text);
            g_string_append(cases, "</failure>\n    </testcase>\n");
            g_free(text), g_free(summary);
        }
        if (nk == 0) {
            g_string_append(cases, "    <testcase classname=\"lockgraph.");
            xml_escape(cases, kind);
            g_string_append(cases, "\" name=\"no ");
            xml_escape(cases, kind);
            g_string_append(cases, "\"/>\n");
            tests++;
        }
        tests += nk, failures += nk;
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"lockgraph\" tests=\"%u\" failures=\"%u\" errors=\"0\">\n",
            tests, failures);
    fprintf(out, "  <testsuite name=\"lockgraph\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
                 "skipped=\"0\">\n", tests, failures);
    fputs(cases->str, out);
    fprintf(out, "  </testsuite>\n</testsuites>\n");
    g_string_free(cases, TRUE);
}
