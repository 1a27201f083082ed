#include "fingerprint.h"
#include "frames.h"
#include "names.h"

#include <string.h>

static void append_stack(GString *out, const lg_process *p, uint32_t stack, uint64_t ts)
{
    GArray *fr = lg_frames_resolve(p, stack, ts);
    for (guint i = 0; i < fr->len && i < LG_FP_FRAMES; i++) {
        char *sig = lg_frame_signature(&g_array_index(fr, lg_frame, i));
        g_string_append(out, sig);
        g_string_append_c(out, ';');
        g_free(sig);
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

void lg_fingerprint_compute(lg_finding *f)
{
    guint n = f->edges->len;
    char **sigs = g_new0(char *, (gsize)n + 1);
    for (guint i = 0; i < n; i++)
        sigs[i] = edge_signature(f, &g_array_index(f->edges, lg_fedge, i));

    /* smallest rotation, compared edge signature by edge signature */
    guint best = 0;
    for (guint r = 1; r < n; r++) {
        for (guint k = 0; k < n; k++) {
            int c = strcmp(sigs[(r + k) % n], sigs[(best + k) % n]);
            if (c < 0)
                best = r;
            if (c != 0)
                break;
        }
    }
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
