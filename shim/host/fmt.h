/* A tiny text builder for live reports: no stdio (it takes FILE locks the program
 * may hold) and no allocation.  Output that does not fit is cut, never overflows. */
#ifndef LOCKGRAPH_FMT_H
#define LOCKGRAPH_FMT_H

#include <stddef.h>
#include <stdint.h>

struct lg_fmt {
    char *buf;
    size_t cap, len;
};

void lg_fmt_s(struct lg_fmt *f, const char *s);
void lg_fmt_u(struct lg_fmt *f, uint64_t v);
void lg_fmt_x(struct lg_fmt *f, uint64_t v); /* 0x... */
void lg_fmt_c(struct lg_fmt *f, char c);
/* A symbol name, C++ names demangled ("bank::Account::transfer_to(bank::Account&,
 * long)") with libiberty's callback demangler, which works in stack arrays sized by
 * the name and never allocates; names longer than LG_FMT_DEMANGLE_MAX (about 70
 * bytes of stack per character), names whose arrays the stack we run on has no room
 * for (a thread made with a small stack) and names it cannot parse are printed as
 * they are. */
#define LG_FMT_DEMANGLE_MAX 256
void lg_fmt_symbol(struct lg_fmt *f, const char *name);

#endif
