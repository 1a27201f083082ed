#include "dwarf_names.h"

#include "demangle.h"

#include <dwarf.h>

static char *attr_string(Dwarf_Die *die, unsigned name)
{
    Dwarf_Attribute a;
    if (!dwarf_attr_integrate(die, name, &a))
        return NULL;
    const char *s = dwarf_formstring(&a);
    return s ? g_strdup(s) : NULL;
}

char *lg_dwarf_die_name(Dwarf_Die *die)
{
    char *ln = attr_string(die, DW_AT_linkage_name);
    if (!ln)
        ln = attr_string(die, DW_AT_MIPS_linkage_name);
    if (ln) {
        char *d = lg_demangle(ln);
        g_free(ln);
        return d;
    }
    return attr_string(die, DW_AT_name);
}
