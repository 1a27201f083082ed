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

#endif
