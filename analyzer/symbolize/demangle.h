/* C++ symbol demangling for reports.
 *
 * Uses libstdc++'s __cxa_demangle (the Itanium C++ ABI demangler; declared extern "C",
 * so callable from C; the analyzer links libstdc++ for it).  Why that one: it is the
 * reference implementation for the ABI that g++ and clang++ emit on Linux, it is
 * present wherever C++ programs run, and elfutils exports no demangler of its own
 * (eu-addr2line uses this same function internally); libiberty has no shared
 * library on Debian.
 */
#ifndef LOCKGRAPH_DEMANGLE_H
#define LOCKGRAPH_DEMANGLE_H

/* Returns a newly allocated (g_free) demangled name, or a copy of `name` when it is
 * not a mangled C++ name or cannot be demangled.  NULL in, NULL out. */
char *lg_demangle(const char *name);

#endif
