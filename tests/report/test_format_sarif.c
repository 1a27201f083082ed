/* The SARIF format's pieces (present/sarif_uri.h, sarif_text.h, sarif_rules.h) and
 * what they make of a log: URIs relative to the source root, messages without
 * addresses or pids, one thread flow per cycle edge walking both acquisitions frame
 * by frame.  Stacks point into this test's own functions (real file and line). */
#define _GNU_SOURCE
#include "analysis.h"
#include "formats.h"
#include "log_builder.h"
#include "names.h"
#include "sarif_rules.h"
#include "sarif_text.h"
#include "sarif_uri.h"

#include <glib/gstdio.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

/* Acquisition sites: a thread's entry calls a worker that calls the lock site. */
static volatile int sink;
__attribute__((noinline)) void sft_take_a(void) { sink += 1; sink *= 3; sink ^= 5; }
__attribute__((noinline)) void sft_take_b(void) { sink += 2; sink *= 5; sink ^= 7; }
__attribute__((noinline)) void sft_worker_ab(void) { sink += 3; sink *= 7; sink ^= 9; }
__attribute__((noinline)) void sft_worker_ba(void) { sink += 4; sink *= 9; sink ^= 11; }
__attribute__((noinline)) void sft_thread_main(void) { sink += 5; sink *= 11; sink ^= 13; }
__attribute__((noinline)) void sft_init(void) { sink += 6; sink *= 13; sink ^= 15; }

enum { A = 1, B = 2 };
/* heap addresses, as the shim records them: must not reach a message */
#define ADDR_A 0x7f00dead0040ull
#define ADDR_B 0x7f00dead0080ull

/* Stacks (innermost first): 1 B taken in ab, 2 A taken in ba, 3 first use, 4 A taken
 * in ab, 5 B taken in ba. */
static lgb *base_log(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 4242, "run-s", "/bin/test_format_sarif");
    lgb_module_self(b, 1);
    void (*const st[5][3])(void) = {{sft_take_b, sft_worker_ab, sft_thread_main},
                                    {sft_take_a, sft_worker_ba, sft_thread_main},
                                    {sft_init, NULL, NULL},
                                    {sft_take_a, sft_worker_ab, sft_thread_main},
                                    {sft_take_b, sft_worker_ba, sft_thread_main}};
    for (uint32_t s = 0; s < 5; s++) {
        uint64_t pcs[3];
        uint32_t n = 0;
        while (n < 3 && st[s][n])
            pcs[n] = lgb_pc(st[s][n]), n++;
        lgb_stack(b, s + 1, n, pcs);
    }
    lgb_thread(b, 1, 4242, 0, 0, "main");
    lgb_thread(b, 2, 4243, 1, 0, "ab");
    lgb_thread(b, 3, 4244, 1, 0, "ba");
    lgb_lock(b, A, ADDR_A, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_lock(b, B, ADDR_B, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    return b;
}

/* The repository this test's source lies in (tests/report/ up two), ending in '/'. */
static char *source_root(void)
{
    g_assert_true(g_path_is_absolute(__FILE__));
    char *d1 = g_path_get_dirname(__FILE__), *d2 = g_path_get_dirname(d1), *d3 = g_path_get_dirname(d2);
    char *out = g_strconcat(d3, "/", NULL);
    g_free(d1), g_free(d2), g_free(d3);
    return out;
}

static char *render(const lg_analysis *a, const char *root)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_format_opts o = {.top = 10, .source_root = root};
    lg_format_sarif(f, a, &o);
    fclose(f);
    return buf;
}

static JsonObject *parse(const char *text, JsonParser **keep)
{
    JsonParser *p = json_parser_new();
    GError *err = NULL;
    if (!json_parser_load_from_data(p, text, -1, &err))
        g_error("invalid JSON: %s\n%s", err->message, text);
    *keep = p;
    return json_node_get_object(json_parser_get_root(p));
}

static JsonObject *run_of(JsonObject *root)
{
    return json_array_get_object_element(json_object_get_array_member(root, "runs"), 0);
}

static JsonObject *result_of(JsonObject *run, const char *rule)
{
    JsonArray *rs = json_object_get_array_member(run, "results");
    for (guint i = 0; i < json_array_get_length(rs); i++) {
        JsonObject *r = json_array_get_object_element(rs, i);
        if (strcmp(json_object_get_string_member(r, "ruleId"), rule) == 0)
            return r;
    }
    g_error("no %s result", rule);
}

static const char *msg_text(JsonObject *o)
{
    return json_object_get_string_member(json_object_get_object_member(o, "message"), "text");
}

/* Every message text under node, collected into texts. */
static void collect_messages(JsonNode *node, GPtrArray *texts)
{
    if (JSON_NODE_HOLDS_OBJECT(node)) {
        JsonObject *o = json_node_get_object(node);
        GList *members = json_object_get_members(o);
        for (GList *m = members; m; m = m->next) {
            JsonNode *v = json_object_get_member(o, m->data);
            if (strcmp(m->data, "message") == 0 && JSON_NODE_HOLDS_OBJECT(v) &&
                json_object_has_member(json_node_get_object(v), "text"))
                g_ptr_array_add(texts, (gpointer)json_object_get_string_member(json_node_get_object(v), "text"));
            else
                collect_messages(v, texts);
        }
        g_list_free(members);
    } else if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *a = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(a); i++)
            collect_messages(json_array_get_element(a, i), texts);
    }
}

/* No message of the run names an address or the pid. */
static void assert_messages_clean(JsonObject *run, guint at_least)
{
    GPtrArray *texts = g_ptr_array_new();
    JsonNode *n = json_node_init_object(json_node_alloc(), run);
    collect_messages(n, texts);
    json_node_unref(n);
    g_assert_cmpuint(texts->len, >=, at_least);
    for (guint i = 0; i < texts->len; i++) {
        const char *t = texts->pdata[i];
        if (strstr(t, "dead0040") || strstr(t, "dead0080") || strstr(t, "4242") ||
            strstr(t, "4243") || strstr(t, "4244") || strstr(t, "pid"))
            g_error("message with an address or a pid: %s", t);
    }
    g_ptr_array_free(texts, TRUE);
}

static const char *uri_of(JsonObject *location, const char **base)
{
    JsonObject *al = json_object_get_object_member(json_object_get_object_member(location, "physicalLocation"),
                                                   "artifactLocation");
    *base = json_object_has_member(al, "uriBaseId") ? json_object_get_string_member(al, "uriBaseId") : NULL;
    return json_object_get_string_member(al, "uri");
}

/* ---- sarif_uri.h ---------------------------------------------------------------- */

static void test_relative_uri(void)
{
    char *r;
    g_assert_cmpstr((r = lg_sarif_relative_uri("/src/proj/", "/src/proj/a/b.c")), ==, "a/b.c");
    g_free(r);
    /* percent-encoded, '/' kept */
    g_assert_cmpstr((r = lg_sarif_relative_uri("/src/proj/", "/src/proj/my dir/c++.cc")), ==,
                    "my%20dir/c%2B%2B.cc");
    g_free(r);
    /* canonical: "." and ".." in the file's path */
    g_assert_cmpstr((r = lg_sarif_relative_uri("/src/proj/", "/src/proj/x/../y/./z.c")), ==, "y/z.c");
    g_free(r);
    /* outside: a sibling sharing the prefix, a parent, the root itself, a relative path */
    g_assert_null(lg_sarif_relative_uri("/src/proj/", "/src/project/a.c"));
    g_assert_null(lg_sarif_relative_uri("/src/proj/", "/src/a.c"));
    g_assert_null(lg_sarif_relative_uri("/src/proj/", "/src/proj/../proj2/a.c"));
    g_assert_null(lg_sarif_relative_uri("/src/proj/", "a/b.c"));
    g_assert_null(lg_sarif_relative_uri(NULL, "/src/proj/a.c"));
    /* roots: absolute, one trailing '/', as a file URI */
    g_assert_cmpstr((r = lg_sarif_root_dir("/src/proj")), ==, "/src/proj/");
    g_free(r);
    g_assert_cmpstr((r = lg_sarif_root_dir("/src/proj/sub/..//")), ==, "/src/proj/");
    g_free(r);
    char *cwd = g_get_current_dir();
    char *want = g_build_filename(cwd, "rel", "dir/", NULL);
    g_assert_cmpstr((r = lg_sarif_root_dir("rel/dir")), ==, want);
    g_free(r), g_free(want), g_free(cwd);
    g_assert_cmpstr((r = lg_sarif_root_uri("/src/my proj/")), ==, "file:///src/my%20proj/");
    g_free(r);
}

static void touch(const char *dir, const char *name, gboolean as_dir)
{
    char *p = g_build_filename(dir, name, NULL);
    if (as_dir)
        g_assert_cmpint(g_mkdir_with_parents(p, 0755), ==, 0);
    else
        g_assert_true(g_file_set_contents(p, "gitdir: elsewhere\n", -1, NULL));
    g_free(p);
}

static void test_git_toplevel(void)
{
    char *tmp = g_dir_make_tmp("lg-sarif-XXXXXX", NULL);
    g_assert_nonnull(tmp);
    /* repo/ (a .git directory), repo/sub/wt/ (a worktree: .git is a file), other/ */
    touch(tmp, "repo/.git", TRUE);
    touch(tmp, "repo/src/deep", TRUE);
    touch(tmp, "repo/sub/wt/lib", TRUE);
    touch(tmp, "repo/sub/wt/.git", FALSE);
    touch(tmp, "other/src", TRUE);
    char *repo = g_build_filename(tmp, "repo/", NULL);
    char *wt = g_build_filename(tmp, "repo/sub/wt/", NULL);
    char *f1 = g_build_filename(tmp, "repo/src/deep/a.c", NULL); /* files need not exist */
    char *f2 = g_build_filename(tmp, "repo/src/b.c", NULL);
    char *f3 = g_build_filename(tmp, "repo/sub/wt/lib/c.c", NULL);
    char *f4 = g_build_filename(tmp, "other/src/d.c", NULL);
    GHashTable *cache = lg_sarif_toplevel_cache_new();
    char *t;
    g_assert_cmpstr((t = lg_sarif_git_toplevel(f1, cache)), ==, repo);
    g_free(t);
    g_assert_cmpstr((t = lg_sarif_git_toplevel(f2, cache)), ==, repo);
    g_free(t);
    g_assert_cmpstr((t = lg_sarif_git_toplevel(f3, cache)), ==, wt); /* the nearest .git */
    g_free(t);
    g_assert_null(lg_sarif_git_toplevel("relative/x.c", cache));
    /* other/ is in no git tree, unless the temporary directory itself is */
    char *above = lg_sarif_git_toplevel(tmp, NULL);
    t = lg_sarif_git_toplevel(f4, cache);
    g_assert_cmpstr(t, ==, above);
    g_free(t);
    /* the cache answers the same once the tree is gone */
    char *gitdir = g_build_filename(tmp, "repo/.git", NULL);
    g_assert_cmpint(g_rmdir(gitdir), ==, 0);
    g_assert_cmpstr((t = lg_sarif_git_toplevel(f1, cache)), ==, repo);
    g_free(t);
    t = lg_sarif_git_toplevel(f1, NULL);
    g_assert_cmpstr(t, ==, above);
    g_free(t);
    g_assert_cmpint(g_mkdir(gitdir, 0755), ==, 0);
    g_hash_table_unref(cache);

    /* the automatic root: the toplevel most files share; ties to the first */
    GPtrArray *files = g_ptr_array_new();
    g_ptr_array_add(files, f3);
    g_ptr_array_add(files, f1);
    g_ptr_array_add(files, f2);
    g_assert_cmpstr((t = lg_sarif_auto_root(files)), ==, repo);
    g_free(t);
    g_ptr_array_set_size(files, 0);
    g_ptr_array_add(files, f3);
    g_ptr_array_add(files, f1);
    g_assert_cmpstr((t = lg_sarif_auto_root(files)), ==, wt);
    g_free(t);
    g_ptr_array_set_size(files, 0);
    g_ptr_array_add(files, (gpointer) "/usr/include/stdio.h");
    g_ptr_array_add(files, (gpointer) "relative.c");
    char *usr = lg_sarif_git_toplevel("/usr/include/stdio.h", NULL);
    t = lg_sarif_auto_root(files);
    g_assert_cmpstr(t, ==, usr); /* NULL on any sane machine */
    g_free(t), g_free(usr);
    g_ptr_array_free(files, TRUE);

    char *argv[] = {"rm", "-rf", tmp, NULL};
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL));
    g_free(above), g_free(gitdir);
    g_free(repo), g_free(wt), g_free(f1), g_free(f2), g_free(f3), g_free(f4), g_free(tmp);
}

/* ---- sarif_text.h --------------------------------------------------------------- */

static void scrubbed(const char *in, const char *want)
{
    char *out = lg_sarif_scrub(in);
    if (strcmp(out, want) != 0)
        g_error("scrub(\"%s\") = \"%s\", expected \"%s\"", in, out, want);
    g_free(out);
}

static void test_scrub(void)
{
    scrubbed("mutex 0x55d0c0a012a0 first used in f (a.c:3)", "mutex first used in f (a.c:3)");
    scrubbed("lock-order inversion over 2 locks: mutex 0x10 -> mutex 0xABCdef -> mutex 0x10",
             "lock-order inversion over 2 locks: mutex -> mutex -> mutex");
    /* offsets after '+' name a place in a module or a symbol: kept */
    scrubbed("mutex alice+0x10 and prog+0x321", "mutex alice+0x10 and prog+0x321");
    /* pids, alone in parentheses or not */
    scrubbed("thread T2 \"w\" (pid 1234)", "thread T2 \"w\"");
    scrubbed("thread T2 (pid 1234, mutex 0x7f00)", "thread T2 (mutex)");
    scrubbed("L0: mutex m, pid 28359", "L0: mutex m");
    scrubbed("at 0x1234, then", "at, then");
    scrubbed("(0xdead) x", "x");
    /* words that only look alike */
    scrubbed("pid_t 0xg 10x20 a0x10 0x10abz rapid 12", "pid_t 0xg 10x20 a0x10 0x10abz rapid 12");
    scrubbed("", "");
    char *e = lg_sarif_scrub(NULL);
    g_assert_cmpstr(e, ==, "");
    g_free(e);
}

/* ---- sarif_rules.h -------------------------------------------------------------- */

static void test_rules(void)
{
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        const lg_sarif_rule *r = lg_sarif_rule_of(k);
        if (lg_sarif_rule_is_generic(r))
            g_error("finding kind %s has no SARIF rule text (sarif_rules.c)", lg_finding_kind_name(k));
        g_assert_cmpstr(r->kind, ==, lg_finding_kind_name(k));
        g_assert_true(g_ascii_isupper(r->name[0]));
        g_assert_cmpint(g_ascii_strcasecmp(r->name, r->kind), !=, 0); /* SARIF1001 */
        for (const char *const *t = (const char *const[]){r->short_description, r->full_description,
                                                           r->help_text, r->help_markdown, NULL};
             *t; t++) {
            g_assert_cmpuint(strlen(*t), >, 20);
            char *clean = lg_sarif_scrub(*t);
            g_assert_cmpstr(clean, ==, *t);
            g_free(clean);
        }
        /* help says what, why, what to do */
        g_assert_nonnull(strstr(r->help_text, "What:"));
        g_assert_nonnull(strstr(r->help_text, "Why it matters:"));
        g_assert_nonnull(strstr(r->help_text, "What to do:"));
        g_assert_nonnull(strstr(r->help_markdown, "**What to do.**"));
        g_assert_true(strcmp(r->level, "error") == 0 || strcmp(r->level, "warning") == 0 ||
                      strcmp(r->level, "note") == 0);
        g_assert_true(strcmp(r->severity, "error") == 0 || strcmp(r->severity, "warning") == 0 ||
                      strcmp(r->severity, "recommendation") == 0);
        g_assert_nonnull(r->tags[0]);
    }
    /* the levels reports had before rules had texts */
    g_assert_cmpstr(lg_sarif_rule_of(LG_FIND_LOCK_ORDER_INVERSION)->level, ==, "error");
    g_assert_cmpstr(lg_sarif_rule_of(LG_FIND_DEADLOCK)->level, ==, "error");
    g_assert_cmpstr(lg_sarif_rule_of(LG_FIND_BAD_UNLOCK)->level, ==, "warning");
    g_assert_cmpstr(lg_sarif_rule_of(LG_FIND_LONG_HOLD)->level, ==, "note");
    g_assert_true(lg_sarif_rule_is_generic(lg_sarif_rule_of(999)));

    /* as the report writes them */
    lgb *b = base_log();
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(a, NULL);
    JsonParser *keep;
    JsonObject *driver = json_object_get_object_member(
        json_object_get_object_member(run_of(parse(text, &keep)), "tool"), "driver");
    JsonArray *rules = json_object_get_array_member(driver, "rules");
    g_assert_cmpuint(json_array_get_length(rules), ==, LG_FIND_KIND_MAX);
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        JsonObject *r = json_array_get_object_element(rules, k - 1);
        const lg_sarif_rule *want = lg_sarif_rule_of(k);
        g_assert_cmpstr(json_object_get_string_member(r, "id"), ==, lg_finding_kind_name(k));
        g_assert_cmpstr(json_object_get_string_member(r, "name"), ==, want->name);
        g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(r, "fullDescription"), "text"),
                        ==, want->full_description);
        JsonObject *help = json_object_get_object_member(r, "help");
        g_assert_cmpstr(json_object_get_string_member(help, "text"), ==, want->help_text);
        g_assert_cmpstr(json_object_get_string_member(help, "markdown"), ==, want->help_markdown);
        JsonObject *props = json_object_get_object_member(r, "properties");
        g_assert_cmpstr(json_object_get_string_member(props, "precision"), ==, want->precision);
        g_assert_cmpstr(json_object_get_string_member(props, "problem.severity"), ==, want->severity);
        g_assert_cmpuint(json_array_get_length(json_object_get_array_member(props, "tags")), >=, 1);
        g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(r, "defaultConfiguration"),
                                                      "level"),
                        ==, want->level);
    }
    g_object_unref(keep);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

/* ---- the format ----------------------------------------------------------------- */

/* The thread flow whose message mentions `thread`. */
static JsonObject *flow_of(JsonObject *result, const char *thread)
{
    JsonArray *flows = json_object_get_array_member(result, "codeFlows");
    g_assert_cmpuint(json_array_get_length(flows), ==, 1);
    JsonArray *tf = json_object_get_array_member(json_array_get_object_element(flows, 0), "threadFlows");
    for (guint i = 0; i < json_array_get_length(tf); i++) {
        JsonObject *t = json_array_get_object_element(tf, i);
        if (strstr(msg_text(t), thread))
            return t;
    }
    g_error("no thread flow of %s", thread);
}

static const char *function_of(JsonObject *tfl)
{
    JsonObject *loc = json_object_get_object_member(tfl, "location");
    JsonObject *ll = json_array_get_object_element(json_object_get_array_member(loc, "logicalLocations"), 0);
    return json_object_get_string_member(ll, "fullyQualifiedName");
}

/* One acquisition's steps at locs[at..at+3): thread main -> worker -> site. */
static void assert_steps(JsonArray *locs, guint at, const char *worker, const char *site,
                         const char *msg_prefix, const char *root)
{
    const char *want[3] = {"sft_thread_main", worker, site};
    for (guint k = 0; k < 3; k++) {
        JsonObject *t = json_array_get_object_element(locs, at + k);
        g_assert_true(g_str_has_prefix(function_of(t), want[k]));
        g_assert_cmpint(json_object_get_int_member(t, "nestingLevel"), ==, k);
        g_assert_cmpstr(json_object_get_string_member(t, "importance"), ==, k == 2 ? "essential" : "important");
        JsonObject *loc = json_object_get_object_member(t, "location");
        const char *base;
        const char *uri = uri_of(loc, &base);
        g_assert_cmpint(json_object_get_int_member(
                            json_object_get_object_member(json_object_get_object_member(loc, "physicalLocation"),
                                                          "region"),
                            "startLine"),
                        >, 0);
        if (root) {
            g_assert_cmpstr(uri, ==, "tests/report/test_format_sarif.c");
            g_assert_cmpstr(base, ==, "SRCROOT");
        }
        JsonArray *kinds = json_object_get_array_member(t, "kinds");
        g_assert_cmpstr(json_array_get_string_element(kinds, 0), ==, k == 2 ? "acquire" : "call");
        if (k == 2)
            g_assert_true(g_str_has_prefix(msg_text(loc), msg_prefix));
        else
            g_assert_false(json_object_has_member(loc, "message"));
    }
}

static void test_inversion(void)
{
    lgb *b = base_log();
    lgb_order(b, 2, A, B, 1, 4); /* thread "ab": B at stack 1 holding A from stack 4 */
    lgb_order(b, 3, B, A, 2, 5);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *root = source_root();
    char *text = render(a, root);
    JsonParser *keep;
    JsonObject *run = run_of(parse(text, &keep));

    /* the root, as a file URI ending in '/' */
    JsonObject *base = json_object_get_object_member(json_object_get_object_member(run, "originalUriBaseIds"),
                                                     "SRCROOT");
    char *root_uri = g_filename_to_uri(root, NULL, NULL);
    g_assert_true(g_str_has_suffix(json_object_get_string_member(base, "uri"), "/"));
    g_assert_true(g_str_has_prefix(json_object_get_string_member(base, "uri"), root_uri));
    g_free(root_uri);

    JsonObject *r = result_of(run, "lock-order-inversion");
    const char *bid;
    JsonObject *loc = json_array_get_object_element(json_object_get_array_member(r, "locations"), 0);
    g_assert_cmpstr(uri_of(loc, &bid), ==, "tests/report/test_format_sarif.c");
    g_assert_cmpstr(bid, ==, "SRCROOT");
    /* a heap lock reads "mutex first used in ...", with its index in flows */
    g_assert_true(g_str_has_prefix(msg_text(r), "lock-order inversion over 2 locks: mutex first used in sft_init"));

    /* one thread flow per edge: the held lock's acquisition, then the next lock's */
    JsonArray *tf = json_object_get_array_member(json_array_get_object_element(
                                                     json_object_get_array_member(r, "codeFlows"), 0),
                                                 "threadFlows");
    g_assert_cmpuint(json_array_get_length(tf), ==, 2);
    JsonObject *ab = flow_of(r, "thread T2 \"ab\"");
    JsonObject *ba = flow_of(r, "thread T3 \"ba\"");
    g_assert_true(ab != ba);
    g_assert_nonnull(strstr(msg_text(ab), " holds L"));
    g_assert_nonnull(strstr(msg_text(ab), " and takes L"));
    JsonArray *la = json_object_get_array_member(ab, "locations");
    g_assert_cmpuint(json_array_get_length(la), ==, 6);
    assert_steps(la, 0, "sft_worker_ab", "sft_take_a", "takes L", root);
    assert_steps(la, 3, "sft_worker_ab", "sft_take_b", "takes L", root);
    g_assert_nonnull(strstr(msg_text(json_object_get_object_member(json_array_get_object_element(la, 5), "location")),
                            " while holding L"));
    JsonArray *lb = json_object_get_array_member(ba, "locations");
    g_assert_cmpuint(json_array_get_length(lb), ==, 6);
    assert_steps(lb, 0, "sft_worker_ba", "sft_take_b", "takes L", root);
    assert_steps(lb, 3, "sft_worker_ba", "sft_take_a", "takes L", root);

    /* where each lock was first used */
    JsonArray *rel = json_object_get_array_member(r, "relatedLocations");
    g_assert_cmpuint(json_array_get_length(rel), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *o = json_array_get_object_element(rel, i);
        g_assert_cmpint(json_object_get_int_member(o, "id"), ==, i);
        g_assert_true(g_str_has_suffix(msg_text(o), "first used here"));
        g_assert_true(g_str_has_prefix(json_object_get_string_member(
                                           json_array_get_object_element(json_object_get_array_member(o, "logicalLocations"), 0),
                                           "fullyQualifiedName"),
                                       "sft_init"));
    }
    /* the fingerprint as the model has it; the addresses only in properties */
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(r, "partialFingerprints"),
                                                  "lockgraph/v1"),
                    ==, ((lg_finding *)g_ptr_array_index(a->findings, 0))->fingerprint);
    JsonArray *locks = json_object_get_array_member(json_object_get_object_member(r, "properties"), "locks");
    g_assert_cmpuint(json_array_get_length(locks), ==, 2);
    g_assert_nonnull(strstr(json_array_get_string_element(locks, 0), "0x7f00dead00"));
    assert_messages_clean(run, 2 + 2 * 3 + 2);

    g_object_unref(keep);
    free(text);
    g_free(root);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_outside_root(void)
{
    lgb *b = base_log();
    lgb_order(b, 2, A, B, 1, 4);
    lgb_order(b, 3, B, A, 2, 5);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(a, "/nonexistent/elsewhere");
    JsonParser *keep;
    JsonObject *run = run_of(parse(text, &keep));
    JsonObject *base = json_object_get_object_member(json_object_get_object_member(run, "originalUriBaseIds"),
                                                     "SRCROOT");
    g_assert_cmpstr(json_object_get_string_member(base, "uri"), ==, "file:///nonexistent/elsewhere/");
    JsonObject *r = result_of(run, "lock-order-inversion");
    const char *bid;
    const char *uri = uri_of(json_array_get_object_element(json_object_get_array_member(r, "locations"), 0), &bid);
    char *want = g_filename_to_uri(__FILE__, NULL, NULL);
    g_assert_cmpstr(uri, ==, want); /* outside the root: absolute, no base */
    g_assert_null(bid);
    g_free(want);
    g_object_unref(keep);
    free(text);

    /* the default: the git toplevel above this file, if there is one */
    char *top = lg_sarif_git_toplevel(__FILE__, NULL);
    text = render(a, NULL);
    run = run_of(parse(text, &keep));
    uri = uri_of(json_array_get_object_element(json_object_get_array_member(result_of(run, "lock-order-inversion"),
                                                                            "locations"),
                                               0),
                 &bid);
    if (top) {
        char *rel = lg_sarif_relative_uri(top, __FILE__);
        g_assert_cmpstr(uri, ==, rel);
        g_assert_cmpstr(bid, ==, "SRCROOT");
        g_free(rel);
    } else {
        g_assert_false(json_object_has_member(run, "originalUriBaseIds"));
        g_assert_null(bid);
    }
    g_free(top);
    g_object_unref(keep);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_deadlock_and_misuse(void)
{
    lgb *b = base_log();
    /* the shim's deadlock: "ab" holds A (stack 4) blocked on B (stack 1); "ba" the other way */
    lg_item dl[2] = {{.thread = 2, .lock = A, .other_lock = B, .stack = 1, .other_stack = 4,
                      .mode = LG_MODE_EXCL | LG_MODE_EXCL << 4},
                     {.thread = 3, .lock = B, .other_lock = A, .stack = 2, .other_stack = 5,
                      .mode = LG_MODE_EXCL | LG_MODE_EXCL << 4}};
    lgb_finding(b, LG_FIND_DEADLOCK, 0, 0, "deadlock at 0x7f00dead0040 (pid 4242)", 2, dl);
    /* a bad unlock of A at stack 2, A taken at stack 4 */
    lg_item bu = {.thread = 3, .lock = A, .stack = 2, .other_stack = 4, .mode = LG_MODE_EXCL};
    lgb_finding(b, LG_FIND_BAD_UNLOCK, LG_FINDF_NOT_OWNER, 0, "", 1, &bu);
    lgb_end(b, LG_END_DEADLOCK);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *root = source_root();
    char *text = render(a, root);
    JsonParser *keep;
    JsonObject *run = run_of(parse(text, &keep));

    JsonObject *r = result_of(run, "deadlock");
    JsonObject *ab = flow_of(r, "thread T2 \"ab\"");
    g_assert_nonnull(strstr(msg_text(ab), " and blocks on L"));
    JsonArray *la = json_object_get_array_member(ab, "locations");
    g_assert_cmpuint(json_array_get_length(la), ==, 6);
    assert_steps(la, 0, "sft_worker_ab", "sft_take_a", "takes L", root);
    assert_steps(la, 3, "sft_worker_ab", "sft_take_b", "blocks on L", root);
    JsonObject *ba = flow_of(r, "thread T3 \"ba\"");
    assert_steps(json_object_get_array_member(ba, "locations"), 3, "sft_worker_ba", "sft_take_a", "blocks on L",
                 root);

    /* one edge, no flow; where the lock had been taken is a related location */
    JsonObject *u = result_of(run, "bad-unlock");
    g_assert_false(json_object_has_member(u, "codeFlows"));
    g_assert_cmpstr(json_object_get_string_member(u, "level"), ==, "warning");
    JsonArray *rel = json_object_get_array_member(u, "relatedLocations");
    g_assert_cmpuint(json_array_get_length(rel), ==, 2);
    JsonObject *taken = json_array_get_object_element(rel, 1);
    g_assert_true(g_str_has_suffix(msg_text(taken), "taken here"));
    g_assert_true(g_str_has_prefix(json_object_get_string_member(
                                       json_array_get_object_element(json_object_get_array_member(taken, "logicalLocations"), 0),
                                       "fullyQualifiedName"),
                                   "sft_take_a"));
    JsonArray *flags = json_object_get_array_member(json_object_get_object_member(u, "properties"), "flags");
    g_assert_cmpstr(json_array_get_string_element(flags, 0), ==, "not_owner");
    assert_messages_clean(run, 6);

    g_object_unref(keep);
    free(text);
    g_free(root);
    lg_analysis_free(a);
    lgb_free(b);
}

/* Does the threadFlowLocation (or location) t say its stack was first seen on its code
 * path rather than captured for this acquisition? */
static gboolean first_seen_mark(JsonObject *t)
{
    if (!json_object_has_member(t, "properties"))
        return FALSE;
    JsonObject *p = json_object_get_object_member(t, "properties");
    return json_object_has_member(p, "stackFirstSeen") && json_object_get_boolean_member(p, "stackFirstSeen");
}

/* A context whose stack came from the shim's stack depot (LG_CTXF_STACK_FIRST): its
 * acquisition steps, and the result's location when it is that stack's site, say the
 * stack is the one first seen on the code path; the other edge's steps, and the held
 * lock's steps of the marked edge (never from the depot), do not. */
static void test_stack_first_seen(void)
{
    gboolean primary_marked = FALSE, primary_unmarked = FALSE;
    for (uint32_t marked = 2; marked <= 3; marked++) {
        lgb *b = base_log();
        lgb_ctx(b, 2, A, LG_MODE_EXCL, B, LG_MODE_EXCL, marked == 2 ? LG_CTXF_STACK_FIRST : 0, 1, 4, NULL, 0, 0);
        lgb_ctx(b, 3, B, LG_MODE_EXCL, A, LG_MODE_EXCL, marked == 3 ? LG_CTXF_STACK_FIRST : 0, 2, 5, NULL, 0, 0);
        lgb_end(b, LG_END_EXIT);
        lg_analysis *a = lgb_analyze(&b, 1, NULL);
        char *root = source_root();
        char *text = render(a, root);
        JsonParser *keep;
        JsonObject *run = run_of(parse(text, &keep));
        JsonObject *r = result_of(run, "lock-order-inversion");
        for (uint32_t t = 2; t <= 3; t++) {
            JsonObject *flow = flow_of(r, t == 2 ? "thread T2 \"ab\"" : "thread T3 \"ba\"");
            JsonArray *locs = json_object_get_array_member(flow, "locations");
            g_assert_cmpuint(json_array_get_length(locs), ==, 6);
            /* the steps as before: the mark is added, nothing else changes */
            assert_steps(locs, 0, t == 2 ? "sft_worker_ab" : "sft_worker_ba", t == 2 ? "sft_take_a" : "sft_take_b",
                         "takes L", root);
            assert_steps(locs, 3, t == 2 ? "sft_worker_ab" : "sft_worker_ba", t == 2 ? "sft_take_b" : "sft_take_a",
                         "takes L", root);
            for (guint k = 0; k < 6; k++) {
                gboolean want_mark = t == marked && k >= 3;
                g_assert_cmpint(first_seen_mark(json_array_get_object_element(locs, k)), ==, want_mark);
            }
            const char *site = msg_text(json_object_get_object_member(json_array_get_object_element(locs, 5), "location"));
            g_assert_nonnull(strstr(site, " while holding L"));
            if (t == marked)
                g_assert_nonnull(strstr(site, "first seen"));
            else
                g_assert_null(strstr(site, "first seen"));
            g_assert_null(strstr(msg_text(json_object_get_object_member(json_array_get_object_element(locs, 2),
                                                                         "location")),
                                 "first seen"));
        }
        /* the result's location is edge 0's acquisition site: marked when that edge is */
        JsonObject *loc = json_array_get_object_element(json_object_get_array_member(r, "locations"), 0);
        const char *fn = json_object_get_string_member(
            json_array_get_object_element(json_object_get_array_member(loc, "logicalLocations"), 0),
            "fullyQualifiedName");
        gboolean want = g_str_has_prefix(fn, marked == 2 ? "sft_take_b" : "sft_take_a");
        g_assert_cmpint(first_seen_mark(loc), ==, want);
        primary_marked |= want, primary_unmarked |= !want;
        assert_messages_clean(run, 2 + 2 * 3 + 2);
        g_object_unref(keep);
        free(text);
        g_free(root);
        lg_analysis_free(a);
        lgb_free(b);
    }
    g_assert_true(primary_marked && primary_unmarked);
}

/* `lockgraph report --source-root DIR`: the option reaches the format. */
static void test_cli_source_root(void)
{
    lgb *b = base_log();
    lgb_order(b, 2, A, B, 1, 4);
    lgb_order(b, 3, B, A, 2, 5);
    lgb_end(b, LG_END_EXIT);
    char *tmp = g_dir_make_tmp("lg-sarif-cli-XXXXXX", NULL);
    char *log = lgb_write(b, tmp, "x.log");
    char *out = g_build_filename(tmp, "r.sarif", NULL);
    char *root = source_root();
    char *argv[] = {LOCKGRAPH_BIN, "report", "--format", "sarif", "--source-root", root, "-o", out, log, NULL};
    gint status = -1;
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, NULL));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1); /* findings */
    char *text;
    g_assert_true(g_file_get_contents(out, &text, NULL, NULL));
    JsonParser *keep;
    JsonObject *run = run_of(parse(text, &keep));
    char *want = g_filename_to_uri(root, NULL, NULL);
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(
                                                      json_object_get_object_member(run, "originalUriBaseIds"), "SRCROOT"),
                                                  "uri"),
                    ==, want);
    const char *bid;
    g_assert_cmpstr(uri_of(json_array_get_object_element(json_object_get_array_member(
                                                              result_of(run, "lock-order-inversion"), "locations"),
                                                          0),
                           &bid),
                    ==, "tests/report/test_format_sarif.c");
    g_object_unref(keep);
    g_free(text), g_free(want), g_free(root);
    g_unlink(out), g_unlink(log), g_rmdir(tmp);
    g_free(out), g_free(log), g_free(tmp);
    lgb_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sarif/relative-uri", test_relative_uri);
    g_test_add_func("/sarif/git-toplevel", test_git_toplevel);
    g_test_add_func("/sarif/scrub", test_scrub);
    g_test_add_func("/sarif/rules", test_rules);
    g_test_add_func("/sarif/inversion", test_inversion);
    g_test_add_func("/sarif/outside-root", test_outside_root);
    g_test_add_func("/sarif/deadlock-and-misuse", test_deadlock_and_misuse);
    g_test_add_func("/sarif/stack-first-seen", test_stack_first_seen);
    g_test_add_func("/sarif/cli-source-root", test_cli_source_root);
    return g_test_run();
}
