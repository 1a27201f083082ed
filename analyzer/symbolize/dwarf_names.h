/* The name a person knows a DWARF entity by: the demangled linkage name when there
 * is one (qualified, with parameters for a function: what C++ users recognize),
 * else DW_AT_name.  Shared by the code symbolizer (functions, inlined instances)
 * and the data-path namer (variables).  Attributes are followed through
 * DW_AT_abstract_origin / DW_AT_specification to the declaration.  O(attributes)
 * plus the demangler. */
#ifndef LOCKGRAPH_DWARF_NAMES_H
#define LOCKGRAPH_DWARF_NAMES_H

#include <elfutils/libdw.h>
#include <glib.h>

/* A new string (g_free), or NULL when the entity has no name. */
char *lg_dwarf_die_name(Dwarf_Die *die);

#endif
