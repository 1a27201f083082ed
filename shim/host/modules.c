#define _GNU_SOURCE
#include "modules.h"
#include "arena.h"
#include "records.h"
#include "host.h"
#include "tool_lock.h"
#include "shim.h"

#include <elf.h>
#include <stddef.h>
#include <link.h>
#include <string.h>

#define MAX_MODULES 4096
#define MAX_SEGS 8

struct module {
    uint32_t id;
    _Atomic int loaded;
    int seen;
    uintptr_t base, lo, hi;
    const char *path;
    uint8_t bid[32];
    uint32_t nbid;
    uint32_t nseg;
    struct {
        uint64_t vaddr, memsz;
        uint32_t flags;
    } seg[MAX_SEGS];
};

static struct module mods[MAX_MODULES];
static _Atomic uint32_t nmods;
static lg_tool_lock scan_lock; /* one rescan at a time */

struct found {
    struct module m;
    char path[512];
};

struct collect {
    struct found *f;
    uint32_t n, cap;
};

static void read_build_id(struct dl_phdr_info *info, struct module *m)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        const unsigned char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
            const unsigned char *name = p + sizeof *nh;
            const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
            if (desc + nh->n_descsz > end)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
                memcmp(name, "GNU", 4) == 0 && nh->n_descsz <= sizeof m->bid) {
                memcpy(m->bid, desc, nh->n_descsz);
                m->nbid = nh->n_descsz;
                return;
            }
            p = desc + ((nh->n_descsz + 3) & ~3u);
        }
    }
}

void lg_module_span(const struct dl_phdr_info *info, uintptr_t *lo, uintptr_t *hi)
{
    *lo = UINTPTR_MAX;
    *hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < *lo)
            *lo = a;
        if (a + ph->p_memsz > *hi)
            *hi = a + ph->p_memsz;
    }
}

static int collect_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct collect *c = arg;
    if (c->n == c->cap)
        return 0;
    struct found *f = &c->f[c->n];
    memset(f, 0, sizeof *f);
    const char *name = info->dlpi_name;
    if (!name)
        name = "";
    strncpy(f->path, name, sizeof f->path - 1);
    f->m.base = info->dlpi_addr;
    lg_module_span(info, &f->m.lo, &f->m.hi);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        if (f->m.nseg < MAX_SEGS) {
            f->m.seg[f->m.nseg].vaddr = ph->p_vaddr;
            f->m.seg[f->m.nseg].memsz = ph->p_memsz;
            f->m.seg[f->m.nseg].flags = ph->p_flags;
            f->m.nseg++;
        }
    }
    read_build_id(info, &f->m);
    c->n++;
    return 0;
}

/* locked: the graph lock is held (a fork child's new log) */
static void emit_module(const struct module *m, int locked)
{
    lg_log_segment segs[MAX_SEGS];
    for (uint32_t i = 0; i < m->nseg; i++)
        segs[i] = (lg_log_segment){m->seg[i].vaddr, m->seg[i].memsz};
    lg_log_module lm = {.module_id = m->id, .base = m->base, .ts = lg_plat_now(),
                        .path = lg_bytes_of(m->path),
                        .build_id = {m->bid, m->nbid}, .nseg = m->nseg};
    if (locked)
        lg_rec_module_locked(&lm, segs);
    else
        lg_rec_module(&lm, segs);
}

static void emit_unload(const struct module *m) { lg_rec_module_unload(m->id, lg_plat_now()); }

/* The main executable has an empty dlpi_name: name it from /proc/self/exe. */
static const char *exe_path(void)
{
    static char exe[1024];
    if (!exe[0]) {
        extern ssize_t readlink(const char *, char *, size_t);
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
    }
    return exe;
}

void lg_modules_rescan(void)
{
    static struct collect c;
    lg_tool_lock_take(&scan_lock);
    if (!c.f) {
        c.cap = MAX_MODULES;
        c.f = lg_map(sizeof(struct found) * c.cap);
        if (!c.f) {
            lg_tool_lock_give(&scan_lock);
            return;
        }
    }
    c.n = 0;
    dl_iterate_phdr(collect_cb, &c);
    uint32_t have = atomic_load(&nmods);
    for (uint32_t i = 0; i < have; i++)
        mods[i].seen = 0;
    /* Each record is written by the core under its own lock; a module is published
     * (nmods) only after its record, so no LOCK record can cite it first. */
    for (uint32_t k = 0; k < c.n; k++) {
        struct found *f = &c.f[k];
        const char *path = f->path[0] ? f->path : (k == 0 ? exe_path() : "");
        uint32_t i;
        for (i = 0; i < have; i++)
            if (atomic_load(&mods[i].loaded) && mods[i].base == f->m.base &&
                mods[i].lo == f->m.lo && strcmp(mods[i].path, path) == 0)
                break;
        if (i < have) {
            mods[i].seen = 1;
            continue;
        }
        if (have == MAX_MODULES)
            continue;
        struct module *m = &mods[have];
        *m = f->m;
        size_t len = strlen(path) + 1;
        char *p = lg_arena_alloc(len);
        if (!p)
            continue;
        memcpy(p, path, len);
        m->path = p;
        m->id = have + 1;
        m->seen = 1;
        atomic_store(&m->loaded, 1);
        emit_module(m, 0);
        atomic_store(&nmods, ++have);
    }
    for (uint32_t i = 0; i < have; i++)
        if (atomic_load(&mods[i].loaded) && !mods[i].seen) {
            /* the record first: it may write a fork child's deferred log, whose
             * module map (lg_modules_replay) must still define this module */
            emit_unload(&mods[i]);
            atomic_store(&mods[i].loaded, 0);
        }
    lg_tool_lock_give(&scan_lock);
}

void lg_modules_replay(void)
{
    uint32_t have = atomic_load(&nmods);
    for (uint32_t i = 0; i < have; i++)
        if (atomic_load(&mods[i].loaded))
            emit_module(&mods[i], 1);
}

void lg_modules_after_fork(void) { lg_tool_lock_reset(&scan_lock); }

static const struct module *find(uintptr_t a)
{
    uint32_t have = atomic_load(&nmods);
    for (uint32_t i = 0; i < have; i++)
        if (atomic_load(&mods[i].loaded) && a >= mods[i].lo && a < mods[i].hi)
            return &mods[i];
    return NULL;
}

int lg_modules_cover(const uintptr_t *pcs, int n)
{
    for (int i = 0; i < n; i++)
        if (!find(pcs[i]))
            return 0;
    return 1;
}

const char *lg_module_of(uintptr_t pc, uintptr_t *base)
{
    const struct module *m = find(pc);
    if (!m)
        return NULL;
    *base = m->base;
    return m->path;
}

static int count_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    unsigned long long *v = arg;
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
        *v = info->dlpi_adds * 1000003ull + info->dlpi_subs;
    return 1; /* the counters are the same in every entry: one is enough */
}

/* Loads and unloads since the last scan?  (No dlopen hook: glibc resolves a
 * dlopen'ed name with the RPATH of the calling object, so a hook would change
 * which library a program gets.  Changes are noticed where they matter: a lock
 * outside every known module, or a stack frame in unknown code.) */
static void rescan_if_changed(void)
{
    static unsigned long long seen;
    unsigned long long now = 0;
    dl_iterate_phdr(count_cb, &now);
    if (now != seen) {
        seen = now;
        lg_modules_rescan();
    }
}

int lg_plat_classify(uintptr_t addr, uint32_t *module_id, uint64_t *offset, int may_rescan)
{
    const struct module *m = find(addr);
    if (!m && may_rescan) {
        rescan_if_changed();
        m = find(addr);
    }
    if (m) {
        for (uint32_t s = 0; s < m->nseg; s++) {
            uintptr_t lo = m->base + m->seg[s].vaddr;
            if ((m->seg[s].flags & PF_W) && addr >= lo && addr < lo + m->seg[s].memsz) {
                *module_id = m->id;
                *offset = addr - m->base;
                return LG_CLASS_STATIC;
            }
        }
    }
    return LG_CLASS_SITE;
}
