#include "fingerprint.h"
#include "frames.h"
#include "names.h"

#include <string.h>

/* The program's own frames only (fingerprint.h): system libraries, the shim, unknown
 * modules, the C runtime's entry frames and frames wholly inside system headers are
 * skipped before the first LG_FP_FRAMES are taken. */
static void append_stack(GString *out, const lg_process *p, uint32_t stack, uint64_t ts)
{
    GArray *fr = lg_frames_resolve(p, stack, ts);
    guint taken = 0;
    for (guint i = 0; i < fr->len && taken < LG_FP_FRAMES; i++) {
        const lg_frame *f = &g_array_index(fr, lg_frame, i);
        if (lg_frame_is_system(f) || lg_frame_is_runtime_entry(f) || lg_frame_is_header_only(f))
            continue;
        char *sig = lg_frame_user_signature(f);
        g_string_append(out, sig);
        g_string_append_c(out, ';');
        g_free(sig);
        taken++;
    }
    g_array_free(fr, TRUE);
}

static char *edge_signature(const lg_finding *f, const lg_fedge *e)
{
    GString *s = g_string_new(NULL);
    append_stack(s, e->proc, e->stack, e->ts);
    g_string_append_c(s, '<');
    append_stack(s, e->proc, e->held_stack, e->ts);
    if (s->len == 1) {
        /* No frames at all: the lock classes are the only stable identity left. */
        for (int k = 0; k < 2; k++) {
            int idx = k ? e->to : e->from;
            if (idx >= 0 && (guint)idx < f->locks->len)
                g_string_append_printf(s, "|%s", g_array_index(f->locks, lg_flock, idx).lock->class_key);
        }
    }
    return g_string_free(s, FALSE);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    h ^= 0xff; /* separator that no string byte can fake */
    h *= 0x100000001b3ull;
    return h;
}

guint lg_min_rotation(const char *const *s, guint n)
{
    uint64_t ignored = 0;
    return lg_min_rotation_counted(s, n, &ignored);
}

guint lg_min_rotation_counted(const char *const *s, guint n, uint64_t *comparisons)
{
    /* Booth's least-rotation algorithm over the doubled sequence, comparing whole
     * strings as letters: O(n) comparisons whatever the signatures (the naive search
     * is O(n^2) when they are all equal: a hand-over-hand walk over n locks). */
    if (n < 2)
        return 0;
    gint64 *fail = g_new(gint64, (gsize)2 * n);
    for (guint i = 0; i < 2 * n; i++)
        fail[i] = -1;
    gint64 k = 0;
    for (gint64 j = 1; j < (gint64)(2 * n); j++) {
        const char *sj = s[j % n];
        gint64 i = fail[j - k - 1];
        while (i != -1) {
            ++*comparisons;
            int c = strcmp(sj, s[(k + i + 1) % n]);
            if (c == 0)
                break;
            if (c < 0)
                k = j - i - 1;
            i = fail[i];
        }
        if (i == -1) {
            ++*comparisons;
            int c = strcmp(sj, s[(k + i + 1) % n]);
            if (c != 0) {
                if (c < 0)
                    k = j;
                fail[j - k] = -1;
            } else {
                fail[j - k] = i + 1;
            }
        } else {
            fail[j - k] = i + 1;
        }
    }
    g_free(fail);
    return (guint)(k % n);
}

void lg_fingerprint_compute(lg_finding *f)
{
    guint n = f->edges->len;
    char **sigs = g_new0(char *, (gsize)n + 1);
    for (guint i = 0; i < n; i++)
        sigs[i] = edge_signature(f, &g_array_index(f->edges, lg_fedge, i));

    guint best = lg_min_rotation((const char *const *)sigs, n);
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv1a(h, lg_finding_kind_name(f->kind));
    for (guint k = 0; k < n; k++)
        h = fnv1a(h, sigs[(best + k) % n]);
    if (f->kind != LG_FIND_LOCK_ORDER_INVERSION && f->kind != LG_FIND_DEADLOCK) {
        for (guint i = 0; i < f->locks->len; i++) {
            const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
            GString *s = g_string_new("lock:");
            append_stack(s, l->proc, l->lock->first_stack, l->lock->ts);
            h = fnv1a(h, s->str);
            g_string_free(s, TRUE);
        }
    }
    g_snprintf(f->fingerprint, sizeof f->fingerprint, "%016" G_GINT64_MODIFIER "x", h);
    g_strfreev(sigs);
}
