/* Live reports on stderr (or LOCKGRAPH_LOG_FD): what a developer reads while the
 * program runs.  Every line is prefixed "==lockgraph[PID]== "; a finding's first
 * line is "<kind>: <summary>" (docs/cli.md).
 *
 * Frames and global locks are named in-process from the modules' ELF symbol tables
 * (elf_symbols.c; `lockgraph report` gives file:line and inlined frames offline).
 * Formatting happens with no shim lock held, into a per-thread buffer; only the
 * single write of the finished text is serialised.  Everything printed comes in the
 * report (host.h: struct lg_report): this file never reads the core's tables.
 */
#define _GNU_SOURCE
#include "arena.h"
#include "host.h"
#include "log_format.h"
#include "names.h"
#include "tool_lock.h"
#include "elf_symbols.h"
#include "fmt.h"
#include "modules.h"
#include "log_writer.h"
#include "shim.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REPORT_BUF (64 * 1024)

static __thread char *tbuf __attribute__((tls_model("initial-exec")));
static lg_tool_lock write_lock;

static void prefix(struct lg_fmt *f)
{
    lg_fmt_s(f, "==lockgraph[");
    lg_fmt_u(f, (uint64_t)getpid());
    lg_fmt_s(f, "]== ");
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void frame(struct lg_fmt *f, int i, uintptr_t pc)
{
    prefix(f);
    lg_fmt_s(f, "    #");
    lg_fmt_u(f, (uint64_t)i);
    lg_fmt_c(f, ' ');
    lg_fmt_x(f, pc);
    uintptr_t base = 0, off = 0;
    const char *mod = lg_module_of(pc, &base);
    const char *fn = lg_elf_function(pc, &off);
    if (fn) {
        lg_fmt_c(f, ' ');
        lg_fmt_symbol(f, fn);
        lg_fmt_s(f, "+");
        lg_fmt_x(f, off);
    }
    if (mod) {
        lg_fmt_s(f, " (");
        lg_fmt_s(f, base_name(mod[0] ? mod : "?"));
        lg_fmt_s(f, "+");
        lg_fmt_x(f, pc - base); /* the call site, as `lockgraph report` prints it */
        lg_fmt_c(f, ')');
    }
    lg_fmt_c(f, '\n');
}

static void stack(struct lg_fmt *f, const struct lg_report_stack *s)
{
    if (!s->n && s->site) {
        frame(f, 0, s->site);
        return;
    }
    for (uint32_t i = 0; i < s->n; i++)
        frame(f, (int)i, s->pcs[i]);
    if (s->cut) {
        prefix(f);
        lg_fmt_s(f, "    (outer frames unknown: taken in a call that had returned)\n");
    }
}

static void thread_name(struct lg_fmt *f, const struct lg_report_thread *t)
{
    lg_fmt_s(f, "thread ");
    lg_fmt_u(f, t->serial);
    if (t->known) {
        lg_fmt_s(f, " (tid ");
        lg_fmt_u(f, t->tid);
        if (t->name[0]) {
            lg_fmt_s(f, ", \"");
            lg_fmt_s(f, t->name);
            lg_fmt_c(f, '"');
        }
        lg_fmt_c(f, ')');
    }
}

/* Where the item's held lock was acquired. */
static void held_since(struct lg_fmt *f, const struct lg_report_item *it)
{
    prefix(f);
    lg_fmt_s(f, "    L");
    lg_fmt_u(f, it->lock.id);
    lg_fmt_s(f, " had been acquired at:\n");
    stack(f, &it->other_stack);
}

static void lock_desc(struct lg_fmt *f, const struct lg_report_lock *l)
{
    lg_fmt_c(f, 'L');
    lg_fmt_u(f, l->id);
    lg_fmt_c(f, ' ');
    lg_fmt_s(f, lg_lock_kind_name(l->kind));
    lg_fmt_c(f, ' ');
    lg_fmt_x(f, l->addr);
    uintptr_t base;
    const char *mod = lg_module_of(l->addr, &base);
    if (mod) {
        uintptr_t off;
        const char *name = lg_elf_object(l->addr, &off);
        char critical[128];
        lg_fmt_s(f, " (");
        if (name && !off && lg_omp_critical_name(name, critical, sizeof critical)) {
            lg_fmt_s(f, critical);
            lg_fmt_s(f, " in ");
        } else if (name) {
            lg_fmt_symbol(f, name);
            if (off) {
                lg_fmt_c(f, '+');
                lg_fmt_x(f, off);
            }
            lg_fmt_s(f, " in ");
        }
        lg_fmt_s(f, base_name(mod[0] ? mod : "?"));
        lg_fmt_c(f, '+');
        lg_fmt_x(f, l->addr - base);
        lg_fmt_c(f, ')');
    }
}

static void flags(struct lg_fmt *f, uint16_t fl)
{
    int first = 1;
    uint32_t bit;
    const char *name;
    for (unsigned i = 0; (name = lg_finding_flag_at(i, &bit)); i++)
        if (fl & bit) {
            lg_fmt_s(f, first ? " [" : ", ");
            lg_fmt_s(f, name);
            first = 0;
        }
    if (!first)
        lg_fmt_c(f, ']');
}

static void inversion(struct lg_fmt *f, const struct lg_report *fi)
{
    prefix(f);
    lg_fmt_s(f, "lock-order-inversion: potential deadlock: cycle of ");
    lg_fmt_u(f, fi->n);
    lg_fmt_s(f, " locks:");
    for (uint32_t i = 0; i < fi->n; i++) {
        lg_fmt_s(f, " L");
        lg_fmt_u(f, fi->items[i].lock.id);
        lg_fmt_s(f, " ->");
    }
    lg_fmt_s(f, " L");
    lg_fmt_u(f, fi->items[0].lock.id);
    flags(f, fi->flags);
    lg_fmt_c(f, '\n');
    for (uint32_t i = 0; i < fi->n; i++) {
        prefix(f);
        lg_fmt_s(f, "  ");
        lock_desc(f, &fi->items[i].lock);
        lg_fmt_c(f, '\n');
    }
    for (uint32_t i = 0; i < fi->n; i++) {
        const struct lg_report_item *it = &fi->items[i];
        prefix(f);
        lg_fmt_s(f, "  ");
        thread_name(f, &it->thread);
        lg_fmt_s(f, " acquired L");
        lg_fmt_u(f, it->other.id);
        lg_fmt_s(f, " (");
        lg_fmt_s(f, lg_mode_name(it->mode & 15));
        lg_fmt_s(f, ") while holding L");
        lg_fmt_u(f, it->lock.id);
        lg_fmt_s(f, " (");
        lg_fmt_s(f, lg_mode_name(it->mode >> 4));
        /* a depot stack: where this code path was first seen, not this acquisition */
        lg_fmt_s(f, it->stack.first_seen ? "), first seen at:\n" : "), at:\n");
        stack(f, &it->stack);
        held_since(f, it);
    }
}

/* "850 ms", "5.2 s": how long a deadlocked thread waited or held. */
static void duration(struct lg_fmt *f, uint64_t ns)
{
    uint64_t ms = ns / 1000000u;
    if (ms < 1000) {
        lg_fmt_u(f, ms);
        lg_fmt_s(f, " ms");
        return;
    }
    lg_fmt_u(f, ms / 1000);
    lg_fmt_c(f, '.');
    lg_fmt_u(f, ms % 1000 / 100);
    lg_fmt_s(f, " s");
}

/* A deadlocked thread's wait, on a line of its own under the thread's line (which
 * scripts match as it is): "    blocked for 1.1 s (with a timeout), holding L2 for
 * 1.3 s".  The hold is reported here, not as a long hold of its own. */
static void wait_line(struct lg_fmt *f, const struct lg_report_item *it)
{
    if (!it->waited_ns && !it->held_ns)
        return;
    prefix(f);
    lg_fmt_s(f, "    blocked for ");
    duration(f, it->waited_ns);
    if (it->wait_flags & LG_WAITF_TIMED)
        lg_fmt_s(f, " (with a timeout)");
    if (it->lock.id && it->held_ns) {
        lg_fmt_s(f, ", holding L");
        lg_fmt_u(f, it->lock.id);
        lg_fmt_s(f, " for ");
        duration(f, it->held_ns);
    }
    lg_fmt_c(f, '\n');
}

static void deadlock(struct lg_fmt *f, const struct lg_report *fi)
{
    prefix(f);
    lg_fmt_s(f, "deadlock: ");
    lg_fmt_u(f, fi->n);
    lg_fmt_s(f, fi->n == 1 ? " thread is" : " threads are");
    lg_fmt_s(f, " blocked forever");
    if (fi->detail) {
        lg_fmt_s(f, " (");
        lg_fmt_s(f, fi->detail);
        lg_fmt_c(f, ')');
    }
    flags(f, fi->flags);
    lg_fmt_c(f, '\n');
    for (uint32_t i = 0; i < fi->n; i++) {
        const struct lg_report_item *it = &fi->items[i];
        prefix(f);
        lg_fmt_s(f, "  ");
        thread_name(f, &it->thread);
        if (it->other.id) {
            lg_fmt_s(f, " waits for ");
            lock_desc(f, &it->other);
        } else {
            lg_fmt_s(f, " waits in pthread_join for the next thread");
        }
        if (it->lock.id) {
            lg_fmt_s(f, " while holding ");
            lock_desc(f, &it->lock);
        }
        lg_fmt_s(f, ", blocked at:\n");
        wait_line(f, it);
        stack(f, &it->stack);
        if (it->lock.id)
            held_since(f, it);
    }
}

static void single(struct lg_fmt *f, const struct lg_report *fi)
{
    const struct lg_report_item *it = &fi->items[0];
    prefix(f);
    lg_fmt_s(f, lg_finding_kind_name(fi->kind));
    lg_fmt_s(f, ": ");
    if (fi->detail)
        lg_fmt_s(f, fi->detail);
    if (it->lock.id) {
        lg_fmt_s(f, fi->detail ? " " : "");
        lock_desc(f, &it->lock);
    }
    if (fi->kind == LG_FIND_LONG_HOLD) {
        lg_fmt_s(f, " held for ");
        lg_fmt_u(f, fi->value);
        lg_fmt_s(f, " ms");
    }
    lg_fmt_s(f, " in ");
    thread_name(f, &it->thread);
    flags(f, fi->flags);
    lg_fmt_c(f, '\n');
    stack(f, &it->stack);
    if (it->other_stack.id || it->other_stack.site) {
        prefix(f);
        lg_fmt_s(f, fi->kind == LG_FIND_USE_AFTER_DESTROY ? "    the lock had been destroyed at:\n"
                    : fi->kind == LG_FIND_FORK_HELD_LOCK  ? "    the process forked at:\n"
                                                          : "    the lock had been acquired at:\n");
        stack(f, &it->other_stack);
    }
    if (fi->kind == LG_FIND_FORK_HELD_LOCK && fi->n > 1) { /* item 1: the holder */
        prefix(f);
        lg_fmt_s(f, "    held at the fork by ");
        thread_name(f, &fi->items[1].thread);
        lg_fmt_s(f, ", which had acquired it at:\n");
        stack(f, &fi->items[1].stack);
    }
}

void lg_plat_report(const struct lg_report *fi)
{
    if (lg_settings.quiet || !fi->n || lg_suppressed(fi))
        return;
    if (!tbuf && !(tbuf = lg_arena_alloc(REPORT_BUF)))
        return;
    struct lg_fmt f = {tbuf, REPORT_BUF, 0};
    if (fi->kind == LG_FIND_LOCK_ORDER_INVERSION)
        inversion(&f, fi);
    else if (fi->kind == LG_FIND_DEADLOCK)
        deadlock(&f, fi);
    else
        single(&f, fi);
    /* the last line says where file:line come from: the shim names frames from
     * symbol tables only (no debug information in the process) */
    prefix(&f);
    lg_fmt_s(&f, "  source lines: lockgraph report ");
    const char *log = lg_log_current_path();
    lg_fmt_s(&f, log ? log : "LOG");
    lg_fmt_c(&f, '\n');
    lg_tool_lock_take(&write_lock);
    size_t done = 0;
    while (done < f.len) {
        long r = syscall(SYS_write, lg_settings.report_fd, f.buf + done, f.len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        done += (size_t)r;
    }
    lg_tool_lock_give(&write_lock);
}

/* One-line notices (warnings about the environment), same prefix. */
void lg_notice(const char *msg)
{
    if (lg_settings.quiet)
        return;
    char line[512];
    struct lg_fmt f = {line, sizeof line, 0};
    prefix(&f);
    lg_fmt_s(&f, msg);
    lg_fmt_c(&f, '\n');
    syscall(SYS_write, lg_settings.report_fd, line, f.len);
}

void lg_reporter_after_fork(void) { lg_tool_lock_reset(&write_lock); }
