/* gendata: writes MB mebibytes of deterministic, text-like, compressible data to
 * stdout (fixed-seed PRNG over a synthetic vocabulary with a skewed word
 * distribution), so compression benchmarks see the same input on every machine
 * without shipping a corpus.  Usage: gendata MB */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t g_state = 0x243f6a8885a308d3ull;

static uint32_t next(void)
{
    /* splitmix64: good enough statistics, trivially reproducible. */
    uint64_t z = (g_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

int main(int argc, char **argv)
{
    static const char *syl[] = {"lo", "ck", "gra", "ph", "mu", "tex", "th", "read",
                                "or", "der", "dead", "in", "ver", "sion", "ed", "ge",
                                "a", "e", "i", "o", "u", "st", "ra", "ce"};
    enum { NWORDS = 4096 };
    static char words[NWORDS][24];
    long mb = argc > 1 ? atol(argv[1]) : 0;
    if (argc != 2 || mb <= 0) {
        fprintf(stderr, "usage: gendata MB\n");
        return 2;
    }
    for (int w = 0; w < NWORDS; w++) {
        int n = 1 + (int)(next() % 4);
        words[w][0] = 0;
        for (int s = 0; s < n; s++)
            strcat(words[w], syl[next() % (sizeof syl / sizeof syl[0])]);
    }
    static char buf[1 << 16];
    size_t fill = 0;
    long long left = (long long)mb << 20;
    int col = 0;
    while (left > 0) {
        /* Product of two uniforms skews toward low indices: a few frequent words. */
        uint32_t r = next();
        const char *w = words[((r & 0xffff) * (r >> 16)) >> 20];
        size_t n = strlen(w);
        if (fill + n + 2 > sizeof buf) {
            size_t out = fill < (size_t)left ? fill : (size_t)left;
            if (fwrite(buf, 1, out, stdout) != out)
                return 1;
            left -= (long long)out;
            fill = 0;
        }
        memcpy(buf + fill, w, n);
        fill += n;
        col += (int)n + 1;
        buf[fill++] = col > 72 ? (col = 0, '\n') : ' ';
    }
    return 0;
}
