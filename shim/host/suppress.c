/* Suppressions for live reports (LOCKGRAPH_SUPPRESSIONS, docs/suppressions.md).
 *
 * The shim parses the file with the analyzer's own parser (core/suppression_rules)
 * and applies what it can resolve inside the process: function rules, matched
 * against the ELF symbol names of the frames (elf_symbols.c; C++ names stay
 * mangled, since demangling would allocate) in a finding's stacks and its locks'
 * first-use stacks, all of which come in the report (host.h: struct lg_report).
 * File and fingerprint rules need debug information and the symbolized stacks, so
 * they apply in `lockgraph report` only.  A suppressed finding is still written to
 * the log (the report counts it as suppressed); only its live report is left out.
 * A suppressed deadlock still ends the process by the deadlock policy: the
 * alternative is a hang.
 */
#define _GNU_SOURCE
#include "arena.h"
#include "host.h"
#include "suppression_rules.h"
#include "elf_symbols.h"
#include "shim.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RULES 1024

static lg_supp_rule rules[MAX_RULES];
static unsigned nrules;

void lg_suppressions_load(void)
{
    if (!lg_settings.suppressions[0])
        return;
    int fd = open(lg_settings.suppressions, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > (16 << 20)) {
        if (fd >= 0)
            close(fd);
        lg_notice("cannot read the suppression file (LOCKGRAPH_SUPPRESSIONS); no live suppressions");
        return;
    }
    /* the rules point into this buffer for the life of the process */
    char *text = lg_arena_alloc((size_t)st.st_size + 1);
    ssize_t got = text ? read(fd, text, (size_t)st.st_size) : -1;
    close(fd);
    if (got <= 0)
        return;
    text[got] = 0;
    for (char *line = text; line && *line && nrules < MAX_RULES;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const char *err;
        int r = lg_supp_parse_line(line, len, &rules[nrules], &err);
        if (r == 1 && rules[nrules].target == LG_SUPP_FUNCTION)
            nrules++;
        else if (r < 0)
            lg_notice("suppression file: a malformed line is ignored here "
                      "(lockgraph report rejects it)");
        line = nl ? nl + 1 : NULL;
    }
}

static int frame_matches(const lg_supp_rule *r, uintptr_t pc)
{
    uintptr_t off;
    const char *fn = lg_elf_function(pc, &off);
    return fn && lg_supp_glob(r->pattern, r->pattern_len, fn);
}

static int stack_matches(const lg_supp_rule *r, const struct lg_report_stack *s)
{
    if (!s->n)
        return s->site && frame_matches(r, s->site);
    for (uint32_t i = 0; i < s->n; i++)
        if (frame_matches(r, s->pcs[i]))
            return 1;
    return 0;
}

int lg_suppressed(const struct lg_report *f)
{
    for (unsigned k = 0; k < nrules; k++) {
        const lg_supp_rule *r = &rules[k];
        if (r->kind && r->kind != f->kind)
            continue;
        for (uint32_t i = 0; i < f->n; i++) {
            const struct lg_report_item *it = &f->items[i];
            if (stack_matches(r, &it->stack) || stack_matches(r, &it->other_stack) ||
                (it->lock.id && stack_matches(r, &it->lock.first_use)) ||
                (it->other.id && stack_matches(r, &it->other.first_use)))
                return 1;
        }
    }
    return 0;
}
