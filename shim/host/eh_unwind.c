/* The x86-64 stack walker over .eh_frame_hdr with a rule cache (eh_unwind.h).
 * The DWARF call frame information it reads is described in the System V x86-64
 * psABI and the LSB's .eh_frame chapter; only the subset C and C++ compilers emit
 * for ordinary frames is interpreted, and everything else is refused (-1), never
 * guessed. */
#define _GNU_SOURCE
#include "eh_unwind.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#if !defined(__x86_64__)
int lg_eh_walk(uintptr_t lo, uintptr_t hi, int max_frames, lg_eh_visit_fn visit, void *arg)
{
    (void)lo, (void)hi, (void)max_frames, (void)visit, (void)arg;
    return -1;
}
void lg_eh_init(void) {}
void lg_eh_flush(void) {}
void lg_eh_unload_begin(void) {}
void lg_eh_unload_end(void) {}
unsigned lg_eh_bucket(uintptr_t pc) { return (unsigned)pc; }
void lg_eh_stats(struct lg_eh_stats *s) { memset(s, 0, sizeof *s); }
#else

/* DWARF register numbers of x86-64 (psABI figure 3.36); the return address column
 * is the CIE's (16 in practice) */
enum { REG_RBP = 6, REG_RSP = 7 };

/* DW_EH_PE_* pointer encodings */
enum {
    PE_ABSPTR = 0x00, PE_ULEB128 = 0x01, PE_UDATA2 = 0x02, PE_UDATA4 = 0x03, PE_UDATA8 = 0x04,
    PE_SLEB128 = 0x09, PE_SDATA2 = 0x0a, PE_SDATA4 = 0x0b, PE_SDATA8 = 0x0c,
    PE_PCREL = 0x10, PE_DATAREL = 0x30, PE_OMIT = 0xff,
};

/* How a register is found in the caller, by this frame's row */
enum { HOW_SAME, HOW_OFFSET, HOW_UNDEFINED, HOW_OTHER };

/* One row of the CFA table, restricted to what the walk needs */
struct row {
    int cfa_reg; /* REG_RSP or REG_RBP; anything else refuses the frame */
    int64_t cfa_off;
    int cfa_expr; /* DW_CFA_def_cfa_expression */
    int bp_how, ra_how;
    int64_t bp_off, ra_off; /* saved at CFA + off */
    int sp_set;             /* a rule for rsp itself (hand-written code): refused */
};

/* What a lookup says of a code address */
enum { RULE_NONE, RULE_OTHER, RULE_OK, RULE_END };

struct rule {
    int kind;     /* RULE_OK, or RULE_END: the return address is undefined (outermost) */
    int cfa_bp;   /* CFA from the frame pointer, else from the stack pointer */
    uint32_t cfa_off;
    uint32_t bp_slot; /* frame pointer saved at CFA - 8 * bp_slot; 0: unchanged */
    uintptr_t fn;
};

/* ---- the cache ------------------------------------------------------------------ */

#define LG_EH_CACHE 4096u /* slots, in buckets of 2 (one 32-byte half line each) */

struct slot {
    _Atomic uint64_t key; /* pc ^ val: a key written by one writer and a val by
                           * another (two writers interleaved) match no pc */
    _Atomic uint64_t val; /* 0: empty */
};
static struct slot cache[LG_EH_CACHE];
static _Atomic unsigned next_way; /* replacement in a full bucket: round robin */

/* dlclose in progress (unload.c): until the cache is flushed after it, no rule is
 * read from or put into the cache (the next library may already be mapped at the
 * freed addresses while the flush has not run yet). */
static _Atomic int unloading;

static __thread struct lg_eh_stats stats;

/* glibc 2.35's _dl_find_object, looked up rather than linked: on an older glibc the
 * shim still loads, and every walk is handed over. */
static int (*find_object)(void *, struct dl_find_object *);

void lg_eh_init(void)
{
    find_object = (int (*)(void *, struct dl_find_object *))dlvsym(RTLD_DEFAULT, "_dl_find_object",
                                                                   "GLIBC_2.35");
}

/* val: kind (2 bits) | cfa_bp (1) | cfa_off (20) | bp_slot (9) | pc - fn (24) | check (8) */
#define V_KIND(v) ((unsigned)((v)&3u))
#define V_CFA_BP(v) ((unsigned)(((v) >> 2) & 1u))
#define V_CFA_OFF(v) ((uint32_t)(((v) >> 3) & 0xfffffu))
#define V_BP_SLOT(v) ((uint32_t)(((v) >> 23) & 0x1ffu))
#define V_FN_DELTA(v) ((uintptr_t)(((v) >> 32) & 0xffffffu))
#define V_CHECK(v) ((unsigned)((v) >> 56))
#define BP_SLOT_MAX 511u

static uint64_t mix(uint64_t pc)
{
    pc ^= pc >> 29;
    pc *= 0x9e3779b97f4a7c15ull;
    return pc ^ (pc >> 32);
}

static unsigned check_of(uint64_t h) { return (unsigned)(h >> 24) & 0xffu; }

static struct slot *bucket_of(uint64_t h) { return &cache[(h << 1) & (LG_EH_CACHE - 1)]; }

unsigned lg_eh_bucket(uintptr_t pc) { return (unsigned)(bucket_of(mix(pc)) - cache) / 2; }

/* A slot is taken only if its val reads the same before and after its key, and
 * key ^ val is the pc: a slot caught half-written, or left mixed by two writers,
 * reads as a miss. */
static int cache_get(uintptr_t pc, struct rule *r)
{
    uint64_t h = mix(pc);
    struct slot *b = bucket_of(h);
    for (int w = 0; w < 2; w++) {
        struct slot *s = &b[w];
        uint64_t v1 = atomic_load_explicit(&s->val, memory_order_acquire);
        if (!v1)
            continue;
        uint64_t k = atomic_load_explicit(&s->key, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        uint64_t v2 = atomic_load_explicit(&s->val, memory_order_relaxed);
        if (v1 != v2 || (k ^ v1) != pc || V_CHECK(v1) != check_of(h))
            continue;
        r->kind = (int)V_KIND(v1);
        r->cfa_bp = (int)V_CFA_BP(v1);
        r->cfa_off = V_CFA_OFF(v1);
        r->bp_slot = V_BP_SLOT(v1);
        r->fn = pc - V_FN_DELTA(v1);
        return 1;
    }
    return 0;
}

static void cache_put(uintptr_t pc, const struct rule *r)
{
    if (r->cfa_off >= (1u << 20) || r->bp_slot > BP_SLOT_MAX || pc - r->fn >= (1u << 24))
        return; /* does not pack: read from the tables each time */
    uint64_t h = mix(pc);
    uint64_t v = (uint64_t)r->kind | (uint64_t)r->cfa_bp << 2 | (uint64_t)r->cfa_off << 3 |
                 (uint64_t)r->bp_slot << 23 | (uint64_t)(pc - r->fn) << 32 |
                 (uint64_t)check_of(h) << 56;
    struct slot *b = bucket_of(h);
    struct slot *s = &b[0];
    if (atomic_load_explicit(&b[0].val, memory_order_relaxed))
        s = atomic_load_explicit(&b[1].val, memory_order_relaxed)
                ? &b[atomic_fetch_add_explicit(&next_way, 1, memory_order_relaxed) & 1]
                : &b[1];
    atomic_store_explicit(&s->val, 0, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&s->key, pc ^ v, memory_order_relaxed);
    atomic_store_explicit(&s->val, v, memory_order_release);
}

void lg_eh_unload_begin(void) { atomic_fetch_add(&unloading, 1); }

void lg_eh_unload_end(void)
{
    lg_eh_flush();
    atomic_fetch_sub(&unloading, 1);
}

void lg_eh_flush(void)
{
    for (unsigned i = 0; i < LG_EH_CACHE; i++)
        if (atomic_load_explicit(&cache[i].val, memory_order_relaxed))
            atomic_store_explicit(&cache[i].val, 0, memory_order_release);
}

void lg_eh_stats(struct lg_eh_stats *s) { *s = stats; }

/* ---- reading the tables ---------------------------------------------------------- */

/* A cursor over [p, end): every read checks it.  The ends come from the tables'
 * own lengths, each checked against the object's mapping (struct span), so a
 * malformed length ends the parse; tables are otherwise trusted as the loader and
 * libgcc trust them. */
struct cur {
    const uint8_t *p, *end;
    int bad;
};

static uint64_t rd_fixed(struct cur *c, unsigned n)
{
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    memcpy(&v, c->p, n); /* little endian */
    c->p += n;
    return v;
}

/* A LEB128 number, sign-extended when is_signed. */
static uint64_t rd_leb(struct cur *c, int is_signed)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b = 0;
    do {
        if (c->bad || c->p >= c->end || shift > 63) {
            c->bad = 1;
            return 0;
        }
        b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (is_signed && shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    return v;
}

static uint64_t rd_uleb(struct cur *c) { return rd_leb(c, 0); }
static int64_t rd_sleb(struct cur *c) { return (int64_t)rd_leb(c, 1); }

/* u * align as a register offset, refused (bad) beyond 2^31: no overflow, and no
 * real frame is that large. */
static int64_t scaled(struct cur *c, int64_t u, int64_t align)
{
    if (u > (1ll << 31) || u < -(1ll << 31)) {
        c->bad = 1;
        return 0;
    }
    return u * align; /* |align| <= 2^16 (parse_cie) */
}

static int64_t uleb_off(struct cur *c)
{
    uint64_t u = rd_uleb(c);
    if (u > (1ull << 31)) {
        c->bad = 1;
        return 0;
    }
    return (int64_t)u;
}

/* A pointer in encoding enc; datarel is relative to dbase (the .eh_frame_hdr). */
static uintptr_t rd_enc(struct cur *c, int enc, uintptr_t dbase)
{
    if (enc == PE_OMIT)
        return 0;
    uintptr_t at = (uintptr_t)c->p;
    uint64_t v;
    switch (enc & 0x0f) {
    case PE_ABSPTR:
    case PE_UDATA8:
    case PE_SDATA8: v = rd_fixed(c, 8); break;
    case PE_ULEB128: v = rd_uleb(c); break;
    case PE_UDATA2: v = rd_fixed(c, 2); break;
    case PE_UDATA4: v = rd_fixed(c, 4); break;
    case PE_SLEB128: v = (uint64_t)rd_sleb(c); break;
    case PE_SDATA2: v = (uint64_t)(int64_t)(int16_t)rd_fixed(c, 2); break;
    case PE_SDATA4: v = (uint64_t)(int64_t)(int32_t)rd_fixed(c, 4); break;
    default: c->bad = 1; return 0;
    }
    switch (enc & 0x70) {
    case 0: break;
    case PE_PCREL: v += at; break;
    case PE_DATAREL:
        if (!dbase)
            c->bad = 1;
        v += dbase;
        break;
    default: c->bad = 1; return 0; /* textrel, funcrel, aligned: not on x86-64 Linux */
    }
    /* indirect: only personality routines use it, and their value is skipped */
    return (uintptr_t)v;
}

/* One CFI entry (CIE or FDE) at p: its body [body, end) after the length and id
 * fields, and the id field's address (an FDE's CIE pointer is relative to it). */
struct entry {
    const uint8_t *id_at, *body, *end;
    uint64_t id;
};

/* The object's mapping, from _dl_find_object: every table entry must lie in it. */
struct span {
    uintptr_t lo, hi;
};

static int entry_at(const uint8_t *p, const struct span *m, struct entry *e)
{
    if ((uintptr_t)p < m->lo || (uintptr_t)p > m->hi - 8)
        return 0;
    struct cur c = {p, p + 8, 0};
    uint64_t len = rd_fixed(&c, 4);
    /* 0xffffffff: a 64-bit entry, which GNU ld does not index in .eh_frame_hdr and
     * libgcc does not read either */
    if (len == 0xffffffffu || len < 4 || len > (1u << 24))
        return 0;
    e->id_at = c.p;
    e->id = rd_fixed(&c, 4);
    e->body = c.p;
    e->end = e->id_at + len;
    return !c.bad && (uintptr_t)e->end <= m->hi;
}

struct cie {
    uint64_t code_align;
    int64_t data_align;
    uint64_t ra_reg;
    int fde_enc;
    int has_z, signal;
    const uint8_t *insns, *end;
};

static int parse_cie(const struct entry *e, struct cie *ci)
{
    struct cur c = {e->body, e->end, 0};
    unsigned version = (unsigned)rd_fixed(&c, 1);
    const char *aug = (const char *)c.p;
    size_t alen = strnlen(aug, (size_t)(c.end - c.p));
    if (c.bad || (version != 1 && version != 3) || alen == (size_t)(c.end - c.p))
        return 0;
    c.p += alen + 1;
    ci->code_align = rd_uleb(&c);
    ci->data_align = rd_sleb(&c);
    if (ci->data_align > (1 << 16) || ci->data_align < -(1 << 16) || ci->code_align > (1u << 16))
        return 0;
    ci->ra_reg = version == 1 ? rd_fixed(&c, 1) : rd_uleb(&c);
    ci->fde_enc = PE_ABSPTR;
    ci->has_z = aug[0] == 'z';
    ci->signal = 0;
    if (aug[0] && !ci->has_z)
        return 0; /* "eh" and other pre-'z' augmentations: not emitted by today's tools */
    if (ci->has_z) {
        uint64_t zlen = rd_uleb(&c);
        if (c.bad || zlen > (uint64_t)(c.end - c.p))
            return 0;
        struct cur z = {c.p, c.p + zlen, 0};
        for (size_t i = 1; i < alen; i++) {
            switch (aug[i]) {
            case 'R': ci->fde_enc = (int)rd_fixed(&z, 1); break;
            case 'P': {
                int penc = (int)rd_fixed(&z, 1);
                (void)rd_enc(&z, penc & 0x7f, 0);
                break;
            }
            case 'L': (void)rd_fixed(&z, 1); break;
            case 'S': ci->signal = 1; break;
            case 'B': break; /* AArch64 */
            default: return 0;
            }
        }
        if (z.bad)
            return 0;
        c.p += zlen;
    }
    ci->insns = c.p;
    ci->end = c.end;
    return !c.bad && ci->code_align;
}

#define REMEMBER_DEPTH 8

/* Runs a CFA program up to the row of pc (loc starts at the function's start).
 * init: the CIE's row, for DW_CFA_restore.  Returns 0 on a malformed program. */
static int run_cfa(const uint8_t *p, const uint8_t *end, const struct cie *ci, uintptr_t *loc,
                   uintptr_t pc, struct row *r, const struct row *init)
{
    struct row saved[REMEMBER_DEPTH];
    int nsaved = 0;
    struct cur c = {p, end, 0};
    while (c.p < c.end && !c.bad) {
        uint8_t op = *c.p++;
        uint64_t reg = 0, adv = 0;
        int64_t off = 0;
        int set_reg = -1; /* register whose rule an operation set, how in 'how' */
        int how = HOW_OTHER;
        switch (op >> 6) {
        case 1: adv = op & 0x3f; goto advance;
        case 2:
            reg = op & 0x3f;
            off = scaled(&c, uleb_off(&c), ci->data_align);
            set_reg = (int)reg, how = HOW_OFFSET;
            goto set;
        case 3:
            reg = op & 0x3f;
            goto restore;
        default: break;
        }
        switch (op) {
        case 0x00: continue; /* nop */
        case 0x01: {         /* set_loc */
            if (pc == (uintptr_t)-1)
                return 0; /* in a CIE: libgcc would carry the location into the FDE */
            uintptr_t to = rd_enc(&c, ci->fde_enc, 0);
            if (to > pc)
                return !c.bad;
            *loc = to;
            continue;
        }
        case 0x02: adv = rd_fixed(&c, 1); goto advance;
        case 0x03: adv = rd_fixed(&c, 2); goto advance;
        case 0x04: adv = rd_fixed(&c, 4); goto advance;
        case 0x05: /* offset_extended */
            reg = rd_uleb(&c);
            off = scaled(&c, uleb_off(&c), ci->data_align);
            set_reg = (int)reg, how = HOW_OFFSET;
            goto set;
        case 0x06: reg = rd_uleb(&c); goto restore;       /* restore_extended */
        case 0x07: set_reg = (int)rd_uleb(&c), how = HOW_UNDEFINED; goto set; /* undefined */
        case 0x08: set_reg = (int)rd_uleb(&c), how = HOW_SAME; goto set;      /* same_value */
        case 0x09:   /* register */
        case 0x14:   /* val_offset */
        case 0x15: { /* val_offset_sf: a LEB128 operand, skipped as one of any sign */
            set_reg = (int)rd_uleb(&c);
            (void)rd_uleb(&c);
            how = HOW_OTHER;
            goto set;
        }
        case 0x0a: /* remember_state */
            if (nsaved == REMEMBER_DEPTH)
                return 0;
            saved[nsaved++] = *r;
            continue;
        case 0x0b: /* restore_state: the CFA rule is not part of the state in DWARF,
                    * but GCC's and LLVM's unwinders restore it too, and so do the
                    * compilers that emit it */
            if (!nsaved)
                return 0;
            *r = saved[--nsaved];
            continue;
        case 0x0c: /* def_cfa */
            r->cfa_reg = (int)rd_uleb(&c);
            r->cfa_off = uleb_off(&c);
            r->cfa_expr = 0;
            continue;
        case 0x0d: r->cfa_reg = (int)rd_uleb(&c), r->cfa_expr = 0; continue; /* def_cfa_register */
        case 0x0e: r->cfa_off = uleb_off(&c); continue;                      /* def_cfa_offset */
        case 0x0f: {                                                          /* def_cfa_expression */
            uint64_t n = rd_uleb(&c);
            if (n > (uint64_t)(c.end - c.p))
                return 0;
            c.p += n;
            r->cfa_expr = 1;
            continue;
        }
        case 0x10:   /* expression */
        case 0x16: { /* val_expression */
            set_reg = (int)rd_uleb(&c);
            uint64_t n = rd_uleb(&c);
            if (n > (uint64_t)(c.end - c.p))
                return 0;
            c.p += n;
            how = HOW_OTHER;
            goto set;
        }
        case 0x11: /* offset_extended_sf */
            reg = rd_uleb(&c);
            off = scaled(&c, rd_sleb(&c), ci->data_align);
            set_reg = (int)reg, how = HOW_OFFSET;
            goto set;
        case 0x12: /* def_cfa_sf */
            r->cfa_reg = (int)rd_uleb(&c);
            r->cfa_off = scaled(&c, rd_sleb(&c), ci->data_align);
            r->cfa_expr = 0;
            continue;
        case 0x13: r->cfa_off = scaled(&c, rd_sleb(&c), ci->data_align); continue; /* def_cfa_offset_sf */
        case 0x2e: (void)rd_uleb(&c); continue; /* GNU_args_size */
        case 0x2f: /* GNU_negative_offset_extended */
            reg = rd_uleb(&c);
            off = -scaled(&c, uleb_off(&c), ci->data_align);
            set_reg = (int)reg, how = HOW_OFFSET;
            goto set;
        default: return 0; /* an operation this walker does not know */
        }
    advance:
        if (c.bad || pc == (uintptr_t)-1) /* an advance in a CIE: see set_loc */
            return 0;
        *loc += adv * ci->code_align;
        if (*loc > pc)
            return 1;
        continue;
    set:
        if (c.bad)
            return 0;
        if (set_reg == REG_RSP)
            r->sp_set = 1;
        else if (set_reg == REG_RBP)
            r->bp_how = how, r->bp_off = off;
        else if ((uint64_t)set_reg == ci->ra_reg)
            r->ra_how = how, r->ra_off = off;
        continue;
    restore:
        if (c.bad)
            return 0;
        if (reg == REG_RSP)
            r->sp_set = init->sp_set;
        else if (reg == REG_RBP)
            r->bp_how = init->bp_how, r->bp_off = init->bp_off;
        else if (reg == ci->ra_reg)
            r->ra_how = init->ra_how, r->ra_off = init->ra_off;
        continue;
    }
    return !c.bad;
}

/* The FDE covering pc in the object's .eh_frame_hdr search table, or NULL. */
static const uint8_t *find_fde(const uint8_t *hdr, const struct span *m, uintptr_t pc,
                               int *refused)
{
    struct cur c = {hdr, hdr + 12 + 16, 0};
    unsigned version = (unsigned)rd_fixed(&c, 1);
    int ptr_enc = (int)rd_fixed(&c, 1), count_enc = (int)rd_fixed(&c, 1),
        table_enc = (int)rd_fixed(&c, 1);
    if (c.bad || version != 1 || count_enc == PE_OMIT ||
        table_enc != (PE_DATAREL | PE_SDATA4)) {
        *refused = 1; /* no search table: libgcc would scan .eh_frame linearly */
        return NULL;
    }
    (void)rd_enc(&c, ptr_enc, (uintptr_t)hdr);
    uint64_t n = rd_enc(&c, count_enc, (uintptr_t)hdr);
    if (c.bad || n > (1u << 28) || (uintptr_t)c.p + 8 * n > m->hi) {
        *refused = 1;
        return NULL;
    }
    const int32_t *t = (const int32_t *)(const void *)c.p; /* pairs: start, FDE */
    uintptr_t base = (uintptr_t)hdr;
    uint64_t lo = 0, hi = n;
    while (lo < hi) { /* the last entry whose start is <= pc */
        uint64_t mid = lo + (hi - lo) / 2;
        if (base + (intptr_t)t[2 * mid] <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return NULL;
    return (const uint8_t *)(base + (intptr_t)t[2 * (lo - 1) + 1]);
}

/* The rule of code address pc (exact, not a return address). */
static int rule_read(uintptr_t pc, struct rule *out)
{
    struct dl_find_object o;
    if (find_object((void *)pc, &o) != 0 || !o.dlfo_eh_frame)
        return RULE_NONE;
    struct span m = {(uintptr_t)o.dlfo_map_start, (uintptr_t)o.dlfo_map_end};
    if ((uintptr_t)o.dlfo_eh_frame < m.lo || (uintptr_t)o.dlfo_eh_frame > m.hi - 12)
        return RULE_OTHER;
    int refused = 0;
    const uint8_t *fp = find_fde(o.dlfo_eh_frame, &m, pc, &refused);
    if (!fp)
        return refused ? RULE_OTHER : RULE_NONE;
    struct entry fde, cie_e;
    if (!entry_at(fp, &m, &fde) || fde.id == 0 || fde.id > (uintptr_t)fde.id_at)
        return RULE_OTHER;
    if (!entry_at(fde.id_at - fde.id, &m, &cie_e) || cie_e.id != 0)
        return RULE_OTHER;
    struct cie ci;
    if (!parse_cie(&cie_e, &ci) || ci.signal)
        return RULE_OTHER;
    struct cur c = {fde.body, fde.end, 0};
    uintptr_t start = rd_enc(&c, ci.fde_enc, 0);
    uintptr_t range = rd_enc(&c, ci.fde_enc & 0x0f, 0);
    if (ci.has_z) {
        uint64_t zlen = rd_uleb(&c);
        if (zlen > (uint64_t)(c.end - c.p))
            return RULE_OTHER;
        c.p += zlen;
    }
    if (c.bad)
        return RULE_OTHER;
    if (pc < start || pc - start >= range)
        return RULE_NONE; /* in a gap between functions */
    struct row r = {.cfa_reg = -1, .bp_how = HOW_SAME, .ra_how = HOW_SAME};
    uintptr_t loc = start;
    if (!run_cfa(ci.insns, ci.end, &ci, &loc, (uintptr_t)-1, &r, &r))
        return RULE_OTHER;
    struct row init = r;
    loc = start;
    if (!run_cfa(c.p, c.end, &ci, &loc, pc, &r, &init))
        return RULE_OTHER;
    if (r.cfa_expr || (r.cfa_reg != REG_RSP && r.cfa_reg != REG_RBP) || r.cfa_off <= 0 ||
        r.cfa_off > INT32_MAX)
        return RULE_OTHER;
    if (r.sp_set || r.bp_how == HOW_OTHER ||
        (r.bp_how == HOW_OFFSET &&
         (r.bp_off >= 0 || r.bp_off % 8 || r.bp_off < -8 * (int64_t)BP_SLOT_MAX)))
        return RULE_OTHER;
    out->kind = RULE_OK;
    if (r.ra_how == HOW_UNDEFINED)
        out->kind = RULE_END;
    else if (r.ra_how != HOW_OFFSET || r.ra_off != -8)
        return RULE_OTHER;
    out->cfa_bp = r.cfa_reg == REG_RBP;
    out->cfa_off = (uint32_t)r.cfa_off;
    out->bp_slot = r.bp_how == HOW_OFFSET ? (uint32_t)(-r.bp_off / 8) : 0;
    out->fn = start;
    return out->kind;
}

static int rule_for(uintptr_t pc, struct rule *r)
{
    int cached = !atomic_load_explicit(&unloading, memory_order_acquire);
    if (cached && cache_get(pc, r)) {
        stats.hits++;
        return r->kind;
    }
    stats.misses++;
    int k = rule_read(pc, r);
    if (cached && (k == RULE_OK || k == RULE_END))
        cache_put(pc, r);
    return k;
}

/* ---- the walk --------------------------------------------------------------------- */

#define LG_EH_MAX_VISIT 512

__attribute__((noinline)) int lg_eh_walk(uintptr_t lo, uintptr_t hi, int max_frames,
                                         lg_eh_visit_fn visit, void *arg)
{
    uintptr_t pc, sp, bp;
    /* this function's own state: an exact pc, and the registers its row refers to */
    __asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
                     : "=r"(pc), "=r"(sp), "=r"(bp));
    if (!find_object || !lo || sp < lo || sp >= hi) {
        stats.fallbacks++;
        return -1; /* an alternate signal stack, a stack the program made: not ours to bound */
    }
    int outer = 0; /* frames past this one seen */
    for (int visited = 0; visited < LG_EH_MAX_VISIT; visited++) {
        struct rule r;
        int k = rule_for(outer ? pc - 1 : pc, &r);
        if (k != RULE_OK && k != RULE_END) {
            stats.fallbacks++;
            return -1; /* RULE_NONE too: code without tables (JIT, bare assembly) may be
                        * walkable by frame pointers, which the general unwinder tries */
        }
        uintptr_t cfa = (r.cfa_bp ? bp : sp) + r.cfa_off;
        if (cfa <= sp || cfa > hi || cfa - 8 < sp) {
            stats.fallbacks++;
            return -1;
        }
        if (outer && visit(arg, pc, sp, cfa, r.fn))
            return 0;
        if (k == RULE_END || outer >= max_frames)
            return 0;
        if (r.bp_slot) {
            uintptr_t at = cfa - (uintptr_t)r.bp_slot * 8u;
            if (at < sp || at > hi - 8) {
                stats.fallbacks++;
                return -1;
            }
            bp = *(const uintptr_t *)at;
        }
        pc = *(const uintptr_t *)(cfa - 8);
        sp = cfa;
        if (!pc)
            return 0;
        outer++;
    }
    return 0;
}
#endif
