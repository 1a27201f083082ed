#include "data_path.h"

#include "demangle.h"
#include "dwarf_names.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

/* Types nest only through members and elements (pointers are not followed), so real
 * depth is small; the cap only guards against malformed DWARF. */
#define MAX_DEPTH 64

typedef struct data_var {
    guint64 addr; /* module address (DWARF address + bias) */
    guint64 size; /* bytes; 0 if the type is incomplete and no symbol says */
    Dwarf_Die die;
} data_var;

struct lg_data_index {
    Dwfl_Module *mod;
    gboolean built;
    GArray *vars;        /* data_var, sorted by addr, one per addr */
    GHashTable *symbols; /* guint64 addr of a var -> its ELF symbol (raw), one scan */
};

lg_data_index *lg_data_index_new(Dwfl_Module *mod)
{
    lg_data_index *ix = g_new0(lg_data_index, 1);
    ix->mod = mod;
    ix->vars = g_array_new(FALSE, FALSE, sizeof(data_var));
    ix->symbols = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    return ix;
}

void lg_data_index_free(lg_data_index *ix)
{
    if (!ix)
        return;
    g_array_free(ix->vars, TRUE);
    g_hash_table_destroy(ix->symbols);
    g_free(ix);
}

/* ---- the index ------------------------------------------------------------------ */

/* The static address of a variable: its DW_AT_location must be exactly one
 * DW_OP_addr or DW_OP_addrx (a TLS offset, a register or a location list is not a
 * static address). */
static gboolean var_address(Dwarf_Die *die, Dwarf_Addr *out)
{
    Dwarf_Attribute a;
    Dwarf_Op *ops;
    size_t nops;
    if (!dwarf_attr(die, DW_AT_location, &a) || dwarf_getlocation(&a, &ops, &nops) != 0 ||
        nops != 1)
        return FALSE;
    if (ops[0].atom == DW_OP_addr) {
        *out = ops[0].number;
        return TRUE;
    }
    if (ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) {
        Dwarf_Attribute r;
        return dwarf_getlocation_attr(&a, &ops[0], &r) == 0 && dwarf_formaddr(&r, out) == 0;
    }
    return FALSE;
}

static gboolean die_type(Dwarf_Die *die, Dwarf_Die *type)
{
    Dwarf_Attribute a;
    return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, type);
}

static void index_var(lg_data_index *ix, Dwarf_Die *die, Dwarf_Addr bias)
{
    Dwarf_Addr addr;
    if (!var_address(die, &addr))
        return;
    data_var v = {.addr = addr + bias, .die = *die};
    Dwarf_Die type;
    Dwarf_Word size;
    if (die_type(die, &type) && dwarf_aggregate_size(&type, &size) == 0)
        v.size = size; /* else 0: `T m[]`, index_symbols takes the symbol's size */
    g_array_append_val(ix->vars, v);
}

/* Scopes that can hold variables with a static address; types cannot (a class's
 * static members are declared there and defined at namespace scope). */
static gboolean holds_variables(int tag)
{
    return tag == DW_TAG_namespace || tag == DW_TAG_subprogram ||
           tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine ||
           tag == DW_TAG_module;
}

/* Iterative walk of a unit's scopes (function nesting is unbounded in principle). */
static void index_unit(lg_data_index *ix, Dwarf_Die *unit, Dwarf_Addr bias)
{
    GArray *stack = g_array_new(FALSE, FALSE, sizeof(Dwarf_Die));
    Dwarf_Die child;
    if (dwarf_child(unit, &child) == 0)
        g_array_append_val(stack, child);
    while (stack->len) {
        Dwarf_Die die = g_array_index(stack, Dwarf_Die, stack->len - 1);
        g_array_set_size(stack, stack->len - 1);
        Dwarf_Die next;
        if (dwarf_siblingof(&die, &next) == 0)
            g_array_append_val(stack, next);
        int tag = dwarf_tag(&die);
        if (tag == DW_TAG_variable)
            index_var(ix, &die, bias);
        else if (holds_variables(tag) && dwarf_child(&die, &child) == 0)
            g_array_append_val(stack, child);
    }
    g_array_free(stack, TRUE);
}

static gint var_cmp(gconstpointer a, gconstpointer b)
{
    const data_var *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    /* the complete type first */
    return x->size > y->size ? -1 : x->size < y->size;
}

/* The ELF symbol of each variable, in one pass over the symbol table: a lookup per
 * variable (dwfl_module_addrinfo) scans the table each time, which made a thousand
 * static locks cost seconds.  A global symbol wins over a local alias.  A variable
 * whose type has no size here (`T m[]`, completed in another unit) takes the
 * symbol's. */
static void index_symbols(lg_data_index *ix)
{
    GHashTable *starts = g_hash_table_new(g_int64_hash, g_int64_equal); /* addr -> var */
    for (guint i = 0; i < ix->vars->len; i++) {
        data_var *v = &g_array_index(ix->vars, data_var, i);
        g_hash_table_insert(starts, &v->addr, v);
    }
    int n = dwfl_module_getsymtab(ix->mod);
    for (int i = 1; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr addr;
        GElf_Word shndx;
        const char *name = dwfl_module_getsym_info(ix->mod, i, &sym, &addr, &shndx, NULL, NULL);
        int type = GELF_ST_TYPE(sym.st_info);
        if (!name || !*name || sym.st_shndx == SHN_UNDEF ||
            (type != STT_OBJECT && type != STT_NOTYPE && type != STT_COMMON))
            continue;
        guint64 key = addr;
        data_var *v = g_hash_table_lookup(starts, &key);
        if (!v)
            continue;
        if (!v->size)
            v->size = sym.st_size;
        gpointer old = g_hash_table_lookup(ix->symbols, &key);
        if (old && GELF_ST_BIND(sym.st_info) != STB_GLOBAL)
            continue;
        guint64 *k = g_new(guint64, 1);
        *k = key;
        g_hash_table_replace(ix->symbols, k, (gpointer)name);
    }
    g_hash_table_destroy(starts);
}

static void index_build(lg_data_index *ix)
{
    ix->built = TRUE;
    Dwarf_Addr bias = 0;
    Dwarf *dw = dwfl_module_getdwarf(ix->mod, &bias);
    if (!dw)
        return;
    Dwarf_CU *cu = NULL;
    Dwarf_Half version;
    uint8_t type;
    Dwarf_Die cudie, subdie;
    while (dwarf_get_units(dw, cu, &cu, &version, &type, &cudie, &subdie) == 0) {
        if (type == DW_UT_type || type == DW_UT_split_type)
            continue;
        /* a skeleton's variables are in its split unit (.dwo) */
        index_unit(ix, type == DW_UT_skeleton && dwarf_tag(&subdie) == DW_TAG_compile_unit
                           ? &subdie : &cudie, bias);
    }
    g_array_sort(ix->vars, var_cmp);
    /* one variable per address: the declaration of an object in one unit and its
     * definition in another can both carry the location */
    guint w = 0;
    for (guint r = 0; r < ix->vars->len; r++) {
        data_var *v = &g_array_index(ix->vars, data_var, r);
        if (w && g_array_index(ix->vars, data_var, w - 1).addr == v->addr)
            continue;
        g_array_index(ix->vars, data_var, w++) = *v;
    }
    g_array_set_size(ix->vars, w);
    index_symbols(ix);
}

static const data_var *var_at(lg_data_index *ix, guint64 rel)
{
    if (!ix->built)
        index_build(ix);
    guint lo = 0, hi = ix->vars->len; /* first var with addr > rel */
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(ix->vars, data_var, mid).addr <= rel)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return NULL;
    const data_var *v = &g_array_index(ix->vars, data_var, lo - 1);
    return rel - v->addr < v->size || rel == v->addr ? v : NULL;
}

/* ---- the walk ------------------------------------------------------------------- */

typedef struct walk {
    const guint64 *sizes;
    gsize nsizes;
    GString *path;
} walk;

static gboolean is_lock_size(const walk *w, guint64 size)
{
    for (gsize i = 0; i < w->nsizes; i++)
        if (w->sizes[i] == size)
            return TRUE;
    return FALSE;
}

static gboolean udata(Dwarf_Die *die, unsigned name, Dwarf_Word *out)
{
    Dwarf_Attribute a;
    return dwarf_attr_integrate(die, name, &a) && dwarf_formudata(&a, out) == 0;
}

/* Element count of one dimension; FALSE when unknown (no bound, or a bound that is
 * an expression or a variable). */
static gboolean subrange_count(Dwarf_Die *sub, Dwarf_Word *count)
{
    if (udata(sub, DW_AT_count, count))
        return TRUE;
    Dwarf_Word upper, lower = 0;
    Dwarf_Attribute a;
    /* a reference or an expression (a variable-length array) is not a constant */
    if (!dwarf_attr(sub, DW_AT_upper_bound, &a) || dwarf_formudata(&a, &upper) != 0)
        return FALSE;
    if (dwarf_hasattr(sub, DW_AT_lower_bound) && !udata(sub, DW_AT_lower_bound, &lower))
        return FALSE;
    /* (GCC writes upper_bound -1 for a zero-length array: count 0) */
    if (upper + 1 < lower)
        return FALSE;
    *count = upper + 1 - lower;
    return TRUE;
}

/* Offset of a member or base class in its parent: a constant, or (DWARF 2) the
 * expression DW_OP_plus_uconst N.  A virtual base's offset is computed at run time:
 * FALSE. */
static gboolean member_offset(Dwarf_Die *m, Dwarf_Word *off)
{
    Dwarf_Attribute a;
    if (!dwarf_attr(m, DW_AT_data_member_location, &a)) {
        *off = 0; /* a union's members */
        return !dwarf_hasattr(m, DW_AT_data_bit_offset);
    }
    if (dwarf_formudata(&a, off) == 0)
        return TRUE;
    Dwarf_Op *ops;
    size_t nops;
    if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
        ops[0].atom == DW_OP_plus_uconst) {
        *off = ops[0].number;
        return TRUE;
    }
    return FALSE;
}

static gboolean walk_type(walk *w, Dwarf_Die *type, guint64 off, int depth);

static gboolean walk_array(walk *w, Dwarf_Die *arr, guint64 off, int depth)
{
    Dwarf_Die elem;
    Dwarf_Word esize;
    if (!die_type(arr, &elem) || dwarf_aggregate_size(&elem, &esize) != 0 || !esize)
        return FALSE;
    /* the dimensions, outermost first (C and C++ arrays are row-major) */
    Dwarf_Word counts[MAX_DEPTH];
    gboolean known[MAX_DEPTH];
    int n = 0;
    Dwarf_Die sub;
    if (dwarf_child(arr, &sub) != 0)
        return FALSE;
    do {
        if (dwarf_tag(&sub) != DW_TAG_subrange_type)
            continue;
        if (n == MAX_DEPTH)
            return FALSE;
        known[n] = subrange_count(&sub, &counts[n]);
        /* only the outermost bound may be missing (`extern T m[][4]`) */
        if (!known[n] && n > 0)
            return FALSE;
        n++;
    } while (dwarf_siblingof(&sub, &sub) == 0);
    if (!n)
        return FALSE;
    for (int i = 0; i < n; i++) {
        Dwarf_Word stride = esize;
        for (int j = i + 1; j < n; j++) {
            if (counts[j] && stride > G_MAXUINT64 / counts[j])
                return FALSE;
            stride *= counts[j];
        }
        if (!stride)
            return FALSE;
        guint64 idx = off / stride;
        if (known[i] && idx >= counts[i])
            return FALSE;
        g_string_append_printf(w->path, "[%" G_GUINT64_FORMAT "]", idx);
        off %= stride;
    }
    return walk_type(w, &elem, off, depth + 1);
}

/* Identifiers reserved to the implementation (`__data`, `_M_mutex`): a user's lock is
 * never named through one. */
static gboolean is_reserved(const char *name)
{
    return name[0] == '_' && (name[1] == '_' || g_ascii_isupper(name[1]));
}

static gboolean walk_members(walk *w, Dwarf_Die *agg, guint64 off, int depth);

/* A base class or an unnamed member: it has no name of its own, so when it is exactly
 * a lock (class D : Base where Base holds only `std::mutex mu`) the name goes on
 * to its member (`d.mu`), and only when none is nameable (D : std::mutex) does the
 * path end at the object that contains it (`d`). */
static gboolean walk_transparent(walk *w, Dwarf_Die *type, guint64 off, int depth)
{
    Dwarf_Die t;
    Dwarf_Word size;
    if (depth > MAX_DEPTH || dwarf_peel_type(type, &t) != 0 ||
        dwarf_aggregate_size(&t, &size) != 0)
        return FALSE;
    if (!w->nsizes || !is_lock_size(w, size))
        return walk_type(w, &t, off, depth);
    if (off != 0)
        return FALSE;
    int tag = dwarf_tag(&t);
    if (tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type)
        (void)walk_members(w, &t, off, depth); /* leaves the path as it was on failure */
    return TRUE;
}

static gboolean walk_members(walk *w, Dwarf_Die *agg, guint64 off, int depth)
{
    Dwarf_Die m;
    if (dwarf_child(agg, &m) != 0)
        return FALSE;
    do {
        int tag = dwarf_tag(&m);
        if (tag != DW_TAG_member && tag != DW_TAG_inheritance)
            continue;
        /* static members (DWARF 4 puts their declarations here as members) and
         * bit-fields hold no lock */
        if (dwarf_hasattr(&m, DW_AT_external) || dwarf_hasattr(&m, DW_AT_declaration) ||
            dwarf_hasattr(&m, DW_AT_bit_size))
            continue;
        Dwarf_Word moff, msize;
        Dwarf_Die mtype;
        if (!member_offset(&m, &moff) || moff > off || !die_type(&m, &mtype) ||
            dwarf_aggregate_size(&mtype, &msize) != 0 || off - moff >= msize)
            continue;
        gsize keep = w->path->len;
        const char *name = tag == DW_TAG_member ? dwarf_diename(&m) : NULL;
        gboolean ok;
        if (name && is_reserved(name)) {
            continue; /* the implementation's insides (std::mutex's _M_mutex) */
        } else if (name) {
            g_string_append_printf(w->path, ".%s", name);
            ok = walk_type(w, &mtype, off - moff, depth + 1);
        } else {
            ok = walk_transparent(w, &mtype, off - moff, depth + 1);
        }
        /* a union's members all start at 0: the first that reaches an exact object
         * wins */
        if (ok)
            return TRUE;
        g_string_truncate(w->path, keep);
    } while (dwarf_siblingof(&m, &m) == 0);
    return FALSE;
}

static gboolean walk_type(walk *w, Dwarf_Die *type, guint64 off, int depth)
{
    Dwarf_Die t;
    Dwarf_Word size;
    if (depth > MAX_DEPTH || dwarf_peel_type(type, &t) != 0 ||
        dwarf_aggregate_size(&t, &size) != 0)
        return FALSE;
    int tag = dwarf_tag(&t);
    if (w->nsizes && is_lock_size(w, size))
        return off == 0; /* a lock: the path ends here or nowhere, never inside it */
    if (!w->nsizes && off == 0 && tag != DW_TAG_array_type)
        return TRUE;
    switch (tag) {
    case DW_TAG_array_type:
        return walk_array(w, &t, off, depth);
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type:
        return walk_members(w, &t, off, depth);
    default:
        return FALSE;
    }
}

/* ---- the name ------------------------------------------------------------------- */

static char *root_name(lg_data_index *ix, const data_var *v)
{
    const char *s = g_hash_table_lookup(ix->symbols, &v->addr);
    if (s)
        return lg_demangle(s);
    Dwarf_Die die = v->die;
    return lg_dwarf_die_name(&die);
}

char *lg_data_path(lg_data_index *ix, guint64 rel, const guint64 *sizes, gsize nsizes)
{
    const data_var *v = var_at(ix, rel);
    if (!v)
        return NULL;
    Dwarf_Die die = v->die, type;
    if (!die_type(&die, &type))
        return NULL;
    walk w = {sizes, nsizes, g_string_new(NULL)};
    char *root = NULL;
    if (walk_type(&w, &type, rel - v->addr, 0))
        root = root_name(ix, v);
    if (!root) {
        g_string_free(w.path, TRUE);
        return NULL;
    }
    g_string_prepend(w.path, root);
    g_free(root);
    return g_string_free(w.path, FALSE);
}
