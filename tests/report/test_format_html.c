/* The HTML report (format_html.c) read back as text: a well-formed page, the summary
 * counts, one section per finding with its SVG picture, stacks with the source lines
 * around each acquisition when the source is readable (and a note when it is not), and
 * every name from the log escaped.  Stacks point into this test program's functions,
 * so frames carry real function/file/line; the functions at the end of this file are
 * compiled under a #line naming a file that does not exist. */
#define _GNU_SOURCE
#include "analysis.h"
#include "formats.h"
#include "log_builder.h"

#include <stdio.h>
#include <string.h>

/* Acquisition sites: noinline with a body, each on one line, so a PC inside the
 * function symbolizes to the line named by the enum beside it (pc <-> line & file). */
static volatile int sink;
__attribute__((noinline)) void lgh_take_a_then_b(void) { sink += 1; sink *= 3; sink ^= 5; /* LGH_MARK_AB */ } enum { LGH_AB_LINE = __LINE__ };
__attribute__((noinline)) void lgh_take_b_then_a(void) { sink += 2; sink *= 5; sink ^= 7; /* LGH_MARK_BA */ }
__attribute__((noinline)) void lgh_init_locks(void) { sink += 3; sink *= 7; sink ^= 9; }
__attribute__((noinline)) void lgh_spawn(void) { sink += 4; sink *= 9; sink ^= 11; }
/* defined at the end of this file, under a #line naming a file that does not exist */
void lgh_gone_a(void);
void lgh_gone_b(void);
#define GONE_FILE "/nonexistent/lockgraph-test/<b>gone</b>.c"
#define GONE_FILE_ESCAPED "/nonexistent/lockgraph-test/&lt;b&gt;gone&lt;/b&gt;.c"

enum { A = 1, B = 2, C = 3, G = 4, D = 5, E = 6 };

#define HOSTILE_THREAD "<script>alert(\"t\")</script>&'"
#define HOSTILE_EXE "/bin/<img src=x onerror=alert(1)>"
#define HOSTILE_DETAIL "<iframe src=\"javascript:alert(2)\">"

/* Stacks 1..4: the sites above; 5, 6: the functions of the missing file. */
static lgb *report_log(const char *exe, const char *thread_name)
{
    void (*const fns[6])(void) = {lgh_take_a_then_b, lgh_take_b_then_a, lgh_init_locks, lgh_spawn,
                                  lgh_gone_a, lgh_gone_b};
    return lgb_formats_scenario("run-h", exe, thread_name, fns, 6);
}

/* The stream's buffer pointer lives on the heap: with it on the stack, GCC 12 at -O3
 * takes the returned text for a pointer into this frame (-Wdangling-pointer). */
static char *render(lg_analysis *a, gboolean verbose)
{
    struct {
        char *buf;
        size_t len;
    } *m = g_new0(__typeof__(*m), 1);
    FILE *f = open_memstream(&m->buf, &m->len);
    lg_format_opts o = {.verbose = verbose, .top = 10};
    lg_format_html(f, a, &o);
    g_assert_cmpint(fclose(f), ==, 0);
    char *text = m->buf;
    g_free(m);
    return text;
}

static unsigned count(const char *text, const char *what)
{
    unsigned n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static void must_have(const char *text, const char *what)
{
    if (!strstr(text, what))
        g_error("the HTML report lacks \"%s\":\n%s", what, text);
}

static void must_not_have(const char *text, const char *what)
{
    if (strstr(text, what))
        g_error("the HTML report has \"%s\":\n%s", what, text);
}

/* Each opening tag of `name` has its closing tag, and they nest no deeper than
 * they close (a prefix never has more closings than openings). */
static void balanced(const char *text, const char *name)
{
    char *open = g_strdup_printf("<%s", name), *close = g_strdup_printf("</%s>", name);
    int depth = 0, opened = 0;
    for (const char *p = text; *p; p++) {
        if (g_str_has_prefix(p, open) && (p[strlen(open)] == '>' || p[strlen(open)] == ' ' ||
                                          p[strlen(open)] == '\n')) {
            depth++, opened++;
        } else if (g_str_has_prefix(p, close)) {
            depth--;
            if (depth < 0)
                g_error("</%s> closes more than was opened", name);
        }
    }
    if (depth != 0)
        g_error("<%s>: %d left open", name, depth);
    g_free(open), g_free(close);
}

/* The text of the index-th element starting with `start` up to its `end`. */
static char *nth_section(const char *text, const char *start, const char *end, unsigned index)
{
    const char *p = text;
    for (unsigned i = 0; p && i <= index; i++) {
        p = strstr(p, start);
        if (p && i < index)
            p += strlen(start);
    }
    g_assert_nonnull(p);
    const char *q = strstr(p, end);
    g_assert_nonnull(q);
    return g_strndup(p, q - p);
}

static void test_document(void)
{
    lgb *b = report_log("/bin/test_format_html", "alpha");
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(a, TRUE);

    /* one page, its parts in order, balanced */
    g_assert_true(g_str_has_prefix(text, "<!DOCTYPE html>\n<html"));
    g_assert_true(g_str_has_suffix(text, "</html>\n"));
    const char *once[] = {"<html", "</html>", "<head>", "</head>", "<body>", "</body>", "<title>lockgraph",
                          "<style>", "<script>", "</script>", "<main>", "</main>"};
    for (size_t i = 0; i < G_N_ELEMENTS(once); i++)
        if (count(text, once[i]) != 1)
            g_error("\"%s\" appears %u times", once[i], count(text, once[i]));
    const char *elements[] = {"section", "article", "svg", "table", "tr", "details", "ol", "li",
                              "pre", "div", "p", "h2", "h3", "h4", "code"};
    for (size_t i = 0; i < G_N_ELEMENTS(elements); i++)
        balanced(text, elements[i]);
    g_assert_true(strstr(text, "id=\"summary\"") < strstr(text, "id=\"findings\""));
    g_assert_true(strstr(text, "id=\"findings\"") < strstr(text, "id=\"contention\""));

    /* self-contained: nothing to fetch */
    must_not_have(text, "src=");
    must_not_have(text, "url(");
    must_not_have(text, "@import");
    must_not_have(text, "<link rel=\"stylesheet\"");
    must_have(text, "Content-Security-Policy\" content=\"default-src 'none';");

    /* the summary */
    must_have(text, "id=\"count-findings\">1<");
    must_have(text, "id=\"count-logs\">1<");
    must_have(text, "id=\"count-processes\">1<");
    must_have(text, "id=\"count-lock-order-inversion\">1<");
    must_have(text, "id=\"count-deadlock\">0<");
    must_have(text, "id=\"count-long-hold\">0<");
    must_have(text, "id=\"count-filtered\">1<");
    must_have(text, "id=\"count-suppressed\">0<");
    must_have(text, "1 gate-lock, 0 trylock, 0 reader-preference");
    must_have(text, "/bin/test_format_html");

    /* one section per finding (and per listed filtered cycle), each with its picture */
    g_assert_cmpuint(count(text, "<article class=\"finding\" "), ==, 1);
    g_assert_cmpuint(count(text, "<article class=\"finding filtered\" "), ==, 1);
    must_have(text, "<input type=\"checkbox\" value=\"lock-order-inversion\" checked>");
    must_have(text, "<input type=\"checkbox\" value=\"filtered\" checked>");
    for (unsigned i = 0; i < 2; i++) {
        char *art = nth_section(text, "<article", "</article>", i);
        g_assert_cmpuint(count(art, "<svg"), ==, 1);
        g_assert_cmpuint(count(art, "</svg>"), ==, 1);
        /* two locks and two edges between them, labelled with the threads */
        g_assert_cmpuint(count(art, "class=\"node\""), ==, 2);
        g_assert_cmpuint(count(art, "class=\"edge\""), >=, 2);
        must_have(art, "L0: ");
        must_have(art, "T2 &quot;alpha&quot;");
        g_free(art);
    }
    char *first = nth_section(text, "<article", "</article>", 0);
    must_have(first, "data-kind=\"lock-order-inversion\"");
    must_have(first, "id=\"finding_1_graph\"");
    /* both stacks of each edge, function and file:line as the text report has them */
    const char *want[] = {"lgh_take_a_then_b", "lgh_take_b_then_a", "lgh_init_locks", "lgh_spawn",
                          "test_format_html.c:", "while holding L0, taken at:",
                          "while holding L1, taken at:", "acquired L1 at:", "acquired L0 at:"};
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
        must_have(first, want[i]);
    g_free(first);
    char *filt = nth_section(text, "<article", "</article>", 1);
    must_have(filt, "data-kind=\"filtered\"");
    must_have(filt, "filtered: gate-lock");
    must_have(filt, "stroke-dasharray"); /* drawn dashed */
    g_free(filt);

    /* the contention table: B (20 contended) before A (7) */
    char *stats = nth_section(text, "<section id=\"contention\"", "</section>", 0);
    g_assert_cmpuint(count(stats, "<tr>"), ==, 3);
    must_have(stats, "<td class=\"num\">20</td>");
    must_have(stats, "5.000 ms");
    g_assert_true(strstr(stats, ">20<") < strstr(stats, ">7<"));
    g_free(stats);

    /* without --verbose the filtered cycle is counted, not listed */
    free(text);
    text = render(a, FALSE);
    g_assert_cmpuint(count(text, "<article"), ==, 1);
    must_have(text, "(--verbose lists them)");
    must_not_have(text, "value=\"filtered\"");
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_source_context(void)
{
    lgb *b = report_log("/bin/test_format_html", "alpha");
    /* a second inversion (D, E) whose sites are in a file that does not exist */
    lgb_lock(b, D, 0x20000, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_lock(b, E, 0x20040, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_order(b, 2, D, E, 5, 6);
    lgb_order(b, 3, E, D, 6, 5);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    g_assert_cmpuint(a->counts[LG_FIND_LOCK_ORDER_INVERSION], ==, 2);
    char *text = render(a, FALSE);
    g_assert_cmpuint(count(text, "<article class=\"finding\" "), ==, 2);

    /* readable: the acquisition line highlighted among its neighbours, escaped */
    char *hit = g_strdup_printf("<span class=\"l hit\"><span class=\"n\">%d</span>", LGH_AB_LINE);
    must_have(text, hit);
    const char *line = strstr(text, hit) + strlen(hit);
    g_assert_true(g_str_has_prefix(line, "__attribute__((noinline)) void lgh_take_a_then_b(void)"));
    g_assert_nonnull(strstr(line, "LGH_MARK_AB"));
    g_assert_true(strstr(line, "LGH_MARK_AB") < strstr(line, "</span>"));
    char *before = g_strdup_printf("<span class=\"n\">%d</span>", LGH_AB_LINE - 3);
    char *after = g_strdup_printf("<span class=\"n\">%d</span>", LGH_AB_LINE + 3);
    must_have(text, before);
    must_have(text, after);
    /* a context line, escaped */
    must_have(text, "symbolizes to the line named by the enum beside it (pc &lt;-&gt; line &amp; file). */");
    g_free(hit), g_free(before), g_free(after);

    /* not readable: the frame still names file:line, a note says why no source */
    must_have(text, "lgh_gone_a");
    must_have(text, GONE_FILE_ESCAPED ":");
    must_have(text, "source not shown: <span class=\"mono\">" GONE_FILE_ESCAPED "</span>: ");
    must_not_have(text, "<b>gone</b>");
    unsigned pictures = count(text, "<svg");
    g_assert_cmpuint(pictures, ==, 2);
    /* the finding over the missing file has no source block at all */
    for (unsigned i = 0; i < 2; i++) {
        char *art = nth_section(text, "<article", "</article>", i);
        if (strstr(art, "<span class=\"fn\">lgh_gone_a</span>")) {
            must_not_have(art, "<pre class=\"src\"");
            g_assert_cmpuint(count(art, "source not shown"), ==, 4); /* 2 edges x 2 stacks */
        } else {
            g_assert_cmpuint(count(art, "<pre class=\"src\""), ==, 4);
        }
        g_free(art);
    }
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

/* An acquisition stack from the shim's stack depot (LG_CTXF_STACK_FIRST) is headed
 * "first seen at", as in the text report, and marked; other edges' stacks are not. */
static void test_stack_first_seen(void)
{
    lgb *b = report_log("/bin/test_format_html", "alpha");
    /* a second inversion (D, E) at the missing file's sites, D -> E from the depot */
    lgb_lock(b, D, 0x20000, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_lock(b, E, 0x20040, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_ctx(b, 2, D, LG_MODE_EXCL, E, LG_MODE_EXCL, LG_CTXF_STACK_FIRST, 5, 6, NULL, 0, 0);
    lgb_order(b, 3, E, D, 6, 5);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    g_assert_cmpuint(a->counts[LG_FIND_LOCK_ORDER_INVERSION], ==, 2);
    char *text = render(a, FALSE);
    const char *mark = "<span class=\"flag first-seen\"";
    g_assert_cmpuint(count(text, " first seen at:"), ==, 1);
    g_assert_cmpuint(count(text, mark), ==, 1);
    for (unsigned i = 0; i < 2; i++) {
        char *art = nth_section(text, "<article", "</article>", i);
        if (strstr(art, "<span class=\"fn\">lgh_gone_a</span>")) {
            for (unsigned k = 0; k < 2; k++) {
                char *edge = nth_section(art, "<div class=\"edge\">", "while holding", k);
                if (strstr(edge, "<b>T2 \"alpha\"</b>")) {
                    /* the heading, then the mark, then the stack they head */
                    g_assert_true(g_regex_match_simple("acquired L[01] first seen at:", edge, 0, 0));
                    const char *head = strstr(edge, " first seen at:");
                    const char *m = strstr(head, mark);
                    g_assert_nonnull(m);
                    g_assert_nonnull(strstr(m, "<ol class=\"stack\">"));
                } else {
                    g_assert_true(g_regex_match_simple("acquired L[01] at:", edge, 0, 0));
                    must_not_have(edge, "first seen");
                    must_not_have(edge, mark);
                }
                g_free(edge);
            }
        } else {
            must_not_have(art, "first seen");
            must_not_have(art, mark);
        }
        g_free(art);
    }
    const char *elements[] = {"section", "article", "div", "p", "span", "ol", "li"};
    for (size_t i = 0; i < G_N_ELEMENTS(elements); i++)
        balanced(text, elements[i]);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_hostile_names(void)
{
    lgb *b = report_log(HOSTILE_EXE, HOSTILE_THREAD);
    /* a long hold reported by the shim, with a hostile detail text */
    lg_item it = {.thread = 2, .lock = A, .other_lock = 0, .stack = 1, .other_stack = 0, .mode = LG_MODE_EXCL};
    lgb_finding(b, LG_FIND_LONG_HOLD, 0, 1500, HOSTILE_DETAIL, 1, &it);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    g_assert_cmpuint(a->counts[LG_FIND_LONG_HOLD], ==, 1);
    char *text = render(a, TRUE);

    /* markup from the log never becomes markup */
    g_assert_cmpuint(count(text, "<script"), ==, 1); /* the report's own */
    must_not_have(text, "<script>alert");
    must_not_have(text, "<img");
    must_not_have(text, "<iframe");
    /* ... but is shown, escaped: in the stacks' thread lines, the logs table, the
     * shim's note, and inside the pictures (escaped by Graphviz) */
    must_have(text, "T2 \"&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;&amp;&#39;\"");
    must_have(text, "/bin/&lt;img src=x onerror=alert(1)&gt;");
    must_have(text, "&lt;iframe src=&quot;javascript:alert(2)&quot;&gt;");
    char *art = nth_section(text, "<article", "</article>", 0);
    char *svg = nth_section(art, "<svg", "</svg>", 0);
    must_have(svg, "&lt;script&gt;alert(");
    g_free(svg), g_free(art);

    /* the long hold has its own section, picture and filter box */
    must_have(text, "<article class=\"finding\" id=\"finding-2\" data-kind=\"long-hold\">");
    must_have(text, "<input type=\"checkbox\" value=\"long-hold\" checked>");
    art = nth_section(text, "<article class=\"finding\" id=\"finding-2\"", "</article>", 0);
    g_assert_cmpuint(count(art, "<svg"), ==, 1);
    must_have(art, "holds 1500 ms");
    g_free(art);
    const char *elements[] = {"section", "article", "svg", "table", "div", "p", "li"};
    for (size_t i = 0; i < G_N_ELEMENTS(elements); i++)
        balanced(text, elements[i]);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_no_findings(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 9, "run-e", "/bin/quiet");
    lgb_thread(b, 1, 9, 0, 0, "main");
    lgb_mutex(b, A);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(a, FALSE);
    must_have(text, "id=\"count-findings\">0<");
    must_have(text, "No findings.");
    must_not_have(text, "<article");
    must_not_have(text, "<svg");
    must_not_have(text, "id=\"kind-filter\"");
    g_assert_true(g_str_has_suffix(text, "</html>\n"));
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

/* One run of a program without symbols (test_cross_run.c's pattern): static locks at
 * fixed offsets, so their classes match across runs while ids and addresses differ. */
static lgb *run_log(uint32_t pid, uint64_t base, uint64_t id_shift, const char *run_id)
{
    lgb *b = lgb_new();
    lgb_header(b, pid, run_id, "/usr/bin/app");
    lgb_module(b, 1, base, "/nonexistent/app", "\x5e\xed\x00\x01", 0, 0x100000);
    for (uint32_t s = 1; s <= 4; s++) {
        uint64_t pc = base + 0x1000 + 0x10 * s;
        lgb_stack(b, s, 1, &pc);
    }
    lgb_thread(b, 1, pid, 0, 0, "main");
    lgb_thread(b, 2, pid + 1, 1, 1, "worker");
    const uint64_t offs[2] = {0x8000, 0x8040};
    for (int i = 0; i < 2; i++)
        lgb_lock(b, id_shift + (uint64_t)i + 1, base + offs[i], LG_KIND_MUTEX, 0, 1,
                 LG_CLASS_STATIC, 1, offs[i], 0);
    return b;
}

static void test_cross_run(void)
{
    lgb *l[2];
    l[0] = run_log(100, 0x555500000000, 0, "run-a");
    lgb_order(l[0], 2, 1, 2, 2, 3);
    lgb_end(l[0], LG_END_EXIT);
    l[1] = run_log(200, 0x7f0000000000, 50, "run-b");
    lgb_order(l[1], 2, 52, 51, 4, 3);
    lgb_end(l[1], LG_END_EXIT);
    lg_analysis *a = lgb_analyze(l, 2, NULL);
    g_assert_cmpuint(a->counts[LG_FIND_LOCK_ORDER_INVERSION], ==, 1);
    char *text = render(a, FALSE);
    must_have(text, "id=\"count-logs\">2<");
    must_have(text, "id=\"count-processes\">2<");
    must_have(text, "<span class=\"flag\">cross_run</span>");
    /* each edge names its run; the picture names each lock's process on a line of its own */
    must_have(text, "run <span class=\"mono\">run-a</span>, pid 100 (/usr/bin/app)");
    must_have(text, "run <span class=\"mono\">run-b</span>, pid 200 (/usr/bin/app)");
    char *svg = nth_section(text, "<svg", "</svg>", 0);
    must_have(svg, ">pid 100</text>");
    g_assert_cmpuint(count(svg, "class=\"node\""), ==, 2);
    g_free(svg);
    /* frames without symbols: module+offset, and no source to show or explain */
    must_have(text, "[app+0x1020]");
    must_not_have(text, "<pre class=\"src\"");
    must_not_have(text, "source not shown");
    free(text);
    lg_analysis_free(a);
    lgb_free(l[0]);
    lgb_free(l[1]);
}

#include "lsan_graphviz.h"

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/format_html/document", test_document);
    g_test_add_func("/format_html/source-context", test_source_context);
    g_test_add_func("/format_html/stack-first-seen", test_stack_first_seen);
    g_test_add_func("/format_html/hostile-names", test_hostile_names);
    g_test_add_func("/format_html/no-findings", test_no_findings);
    g_test_add_func("/format_html/cross-run", test_cross_run);
    return g_test_run();
}

/* Last in the file: everything below is attributed to a file that does not exist. */
#line 10 "/nonexistent/lockgraph-test/<b>gone</b>.c"
__attribute__((noinline)) void lgh_gone_a(void) { sink += 5; sink *= 11; sink ^= 13; }
__attribute__((noinline)) void lgh_gone_b(void) { sink += 6; sink *= 13; sink ^= 15; }
