#include "waitfor.h"
#include "hmap.h"

/* Rules 1 and 3: what each thread waits for on this tick. */
static void resolve(struct lg_wf_snapshot *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        struct lg_wf_thread *t = &s->thread[i];
        t->kind = LG_WF_NONE;
        t->timed = 0;
        t->nout = 0;
        if ((t->published & LG_WF_LOCK) && s->now - t->since >= s->threshold) {
            t->kind = LG_WF_LOCK;
            t->timed = t->wait_timed;
        } else if ((t->published & LG_WF_JOIN) && s->now - t->since >= s->threshold) {
            t->kind = LG_WF_JOIN;
        } else if (t->published & LG_WF_COND) {
            if (!t->cond_asleep) {
                t->cond_since = 0;
                continue;
            }
            /* asleep on the mutex = re-acquiring it; timed from the first tick
             * that saw it so within this wait */
            if (!t->cond_since || t->cond_seq != t->seq) {
                t->cond_since = s->now;
                t->cond_seq = t->seq;
            }
            if (s->now - t->cond_since >= s->threshold)
                t->kind = LG_WF_COND;
        }
    }
}

static void add_out(struct lg_wf_snapshot *s, uint32_t from, uint32_t to)
{
    struct lg_wf_thread *t = &s->thread[from];
    if (to >= s->n || to == from || t->nout == LG_WF_MAX_OUT)
        return;
    for (uint32_t k = 0; k < t->nout; k++)
        if (t->out[k] == to)
            return;
    t->out[t->nout++] = to;
}

/* Rules 2 and 4.  Newly found waiters get edges too, hence the passes. */
static void build_edges(struct lg_wf_snapshot *s)
{
    for (int pass = 0, found = 1; found && pass < 8; pass++) {
        found = 0;
        for (uint32_t i = 0; i < s->n; i++) {
            struct lg_wf_thread *t = &s->thread[i];
            if (t->nout || t->kind == LG_WF_NONE)
                continue;
            if (t->kind == LG_WF_JOIN) {
                for (uint32_t k = 0; k < s->n; k++)
                    if (s->thread[k].handle == t->joining)
                        add_out(s, i, k);
                continue;
            }
            s->describe(s->ctx, i, t->kind, &t->lock);
            add_out(s, i, t->lock.owner);
            if (t->lock.shared)
                for (uint32_t h = 0; h < t->lock.nholders && h < LG_WF_MAX_OUT + 1; h++)
                    add_out(s, i, t->lock.holders[h]);
            for (uint32_t k = 0; k < t->nout; k++) {
                uint32_t j = t->out[k];
                struct lg_wf_thread *w = &s->thread[j];
                if (w->kind != LG_WF_NONE || !s->asleep_on)
                    continue;
                if (s->asleep_on(s->ctx, j, &w->lock) && w->lock.owner != j) {
                    w->kind = LG_WF_LOCK;
                    found = 1;
                }
            }
        }
    }
}

/* Depth-first search for a cycle through waiting threads back to start; fills
 * path[] and returns its length, or 0. */
static uint32_t find_cycle(struct lg_wf_snapshot *s, uint32_t start, uint32_t *path)
{
    uint32_t it[LG_WF_MAX_CYCLE];
    uint32_t depth = 0;
    for (uint32_t i = 0; i < s->n; i++)
        s->thread[i].color = 0;
    path[0] = start;
    it[0] = 0;
    s->thread[start].color = 1;
    for (;;) {
        struct lg_wf_thread *t = &s->thread[path[depth]];
        if (it[depth] >= t->nout) {
            t->color = 2;
            if (depth == 0)
                return 0;
            depth--;
            it[depth]++;
            continue;
        }
        uint32_t next = t->out[it[depth]];
        if (next == start)
            return depth + 1;
        struct lg_wf_thread *nt = &s->thread[next];
        if (nt->color || nt->kind == LG_WF_NONE || depth + 1 >= LG_WF_MAX_CYCLE) {
            it[depth]++;
            continue;
        }
        nt->color = 1;
        path[++depth] = next;
        it[depth] = 0;
    }
}

/* Rule 6: the same threads in the same waits give the same signature, in any
 * rotation; a new wait of any of them gives another. */
static uint64_t signature(const struct lg_wf_snapshot *s, const uint32_t *p, uint32_t n)
{
    uint64_t h = 0x444c ^ n, x = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct lg_wf_thread *t = &s->thread[p[i]];
        x ^= lg_mix64((uint64_t)t->serial << 32 ^ t->seq);
        h += lg_mix64(t->serial);
    }
    return lg_mix64(h ^ x);
}

/* Rules 6 and 7 for the deadlock found on this tick. */
static int confirm(struct lg_waitfor *wf, uint64_t sig)
{
    int confirmed = sig == wf->candidate && lg_seen_add(&wf->reported, sig);
    wf->candidate = sig;
    return confirmed;
}

int lg_waitfor_tick(struct lg_waitfor *wf, struct lg_wf_snapshot *s, struct lg_wf_deadlock *out)
{
    uint32_t path[LG_WF_MAX_CYCLE];
    resolve(s);
    build_edges(s);
    for (uint32_t i = 0; i < s->n; i++) {
        const struct lg_wf_thread *t = &s->thread[i];
        if (t->kind == LG_WF_NONE)
            continue;
        /* rule 5: a lock whose owner exited will never be released */
        if ((t->kind == LG_WF_LOCK || t->kind == LG_WF_COND) && t->lock.owner == LG_WF_EXITED) {
            if (!confirm(wf, signature(s, &i, 1) ^ 0x4f))
                return 0;
            *out = (struct lg_wf_deadlock){.n = 1, .timed = t->timed, .orphaned = 1};
            out->thread[0] = i;
            return 1;
        }
        uint32_t len = find_cycle(s, i, path);
        if (!len)
            continue;
        if (!confirm(wf, signature(s, path, len)))
            return 0;
        *out = (struct lg_wf_deadlock){.n = len};
        for (uint32_t k = 0; k < len; k++) {
            out->thread[k] = path[k];
            out->timed |= s->thread[path[k]].timed;
        }
        return 1;
    }
    wf->candidate = 0;
    return 0;
}

void lg_waitfor_reset(struct lg_waitfor *wf) { wf->candidate = 0; }
