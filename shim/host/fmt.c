#include "fmt.h"
#include "detect.h"
#include "host.h"
#include "state.h"

#include <demangle.h>
#include <string.h>

void lg_fmt_c(struct lg_fmt *f, char c)
{
    if (f->len + 1 < f->cap)
        f->buf[f->len++] = c;
    f->buf[f->len < f->cap ? f->len : f->cap - 1] = 0;
}

void lg_fmt_s(struct lg_fmt *f, const char *s)
{
    if (!s)
        s = "(null)";
    while (*s)
        lg_fmt_c(f, *s++);
}

void lg_fmt_u(struct lg_fmt *f, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        lg_fmt_c(f, tmp[--n]);
}

void lg_fmt_x(struct lg_fmt *f, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) != 0);
    lg_fmt_s(f, "0x");
    while (n)
        lg_fmt_c(f, tmp[--n]);
}

static void demangled_piece(const char *s, size_t n, void *arg)
{
    struct lg_fmt *f = arg;
    for (size_t i = 0; i < n; i++)
        lg_fmt_c(f, s[i]);
}

void lg_fmt_symbol(struct lg_fmt *f, const char *name)
{
    /* the demangler's arrays must fit the stack we run on, with the room a
     * capture needs left over (a thread made with a tiny stack) */
    const struct lg_thread *t = lg_tls_self;
    size_t len = name ? strlen(name) : 0;
    if (name && name[0] == '_' && name[1] == 'Z' && len <= LG_FMT_DEMANGLE_MAX &&
        lg_plat_stack_room(t ? t->stack_lo : 0, t ? t->stack_hi : 0) >= 80 * len + 16384) {
        size_t at = f->len;
        if (cplus_demangle_v3_callback(name, DMGL_PARAMS | DMGL_ANSI, demangled_piece, f))
            return;
        f->len = at; /* a partial name is worse than the mangled one */
    }
    lg_fmt_s(f, name);
}
