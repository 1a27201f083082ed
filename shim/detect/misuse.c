/* The misuse rules (misuse.h states them; the R/U/D numbers below are theirs). */
#include "misuse.h"
#include "log_format.h"

#include <string.h>

static void nothing(enum lg_misuse_rule rule, lg_misuse_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->rule = rule;
}

void lg_misuse_relock(const lg_relock_facts *f, lg_misuse_verdict *out)
{
    if (f->owns && (f->subkind == LG_SUB_RECURSIVE || f->kind == LG_KIND_FILE)) {
        nothing(LG_MISUSE_R1, out);
        return;
    }
    nothing(LG_MISUSE_R2, out);
    out->waits = 1;
    if (!f->holds || !(f->owns || f->mode == LG_MODE_WRITE))
        return;
    int upgrade = f->kind == LG_KIND_RWLOCK && f->mode == LG_MODE_WRITE && !f->owns;
    int edeadlk = (f->kind == LG_KIND_MUTEX && f->subkind == LG_SUB_ERRORCHECK) ||
                  (f->kind == LG_KIND_RWLOCK && f->owns);
    out->finding = LG_FIND_SELF_DEADLOCK;
    out->flags = f->timed ? LG_FINDF_TIMED : 0;
    if (edeadlk) {
        out->rule = f->kind == LG_KIND_MUTEX ? LG_MISUSE_R4 : LG_MISUSE_R5;
        out->detail = "re-lock (refused with EDEADLK) of";
        out->once = 1;
    } else if (f->timed) {
        out->rule = upgrade ? LG_MISUSE_R3 : LG_MISUSE_R6;
        out->detail = "re-lock (will time out) of";
        out->once = 1;
    } else {
        out->rule = upgrade ? LG_MISUSE_R3 : LG_MISUSE_R7;
        out->detail = "re-lock would block forever on";
        out->hang = 1;
    }
    if (upgrade)
        out->detail = "write lock requested while holding the read lock of";
}

static void bad_unlock(enum lg_misuse_rule rule, int not_owner, lg_misuse_verdict *out)
{
    nothing(rule, out);
    out->finding = LG_FIND_BAD_UNLOCK;
    out->once = 1;
    if (not_owner) {
        out->flags = LG_FINDF_NOT_OWNER;
        out->released = 1;
        out->detail = "unlock of a lock held by another thread:";
    } else {
        out->detail = "unlock of a lock that is not locked:";
    }
}

void lg_misuse_unlock(struct lg_lock_word w, uint32_t caller, int records_other,
                      lg_misuse_verdict *out)
{
    switch (w.state) {
    case LG_WORD_UNLOCKED:
        bad_unlock(LG_MISUSE_U1, 0, out);
        return;
    case LG_WORD_OWNED:
        if (w.owner != caller)
            bad_unlock(LG_MISUSE_U2, 1, out);
        else
            nothing(LG_MISUSE_U3, out);
        return;
    case LG_WORD_NO_OWNER:
        if (records_other)
            bad_unlock(LG_MISUSE_U5, 1, out);
        else
            nothing(LG_MISUSE_U5, out);
        return;
    case LG_WORD_HELD:
    case LG_WORD_DESTROYED: /* the use-after-destroy check decides */
        break;
    }
    nothing(LG_MISUSE_U4, out);
}

void lg_misuse_destroy(int held, lg_misuse_verdict *out)
{
    if (!held) {
        nothing(LG_MISUSE_D2, out);
        return;
    }
    nothing(LG_MISUSE_D1, out);
    out->finding = LG_FIND_DESTROY_LOCKED;
    out->once = 1;
    out->detail = "destroy of a lock that is held:";
}

void lg_misuse_cond_wait(const lg_cond_facts *f, lg_misuse_verdict *out)
{
    if (f->not_mutex) {
        nothing(LG_MISUSE_C2, out);
        out->finding = LG_FIND_BAD_COND_WAIT;
        out->flags = LG_FINDF_NOT_MUTEX;
        out->once = 1;
        out->detail = "condition wait with a lock that is not a mutex:";
        return;
    }
    if (f->holds) {
        nothing(LG_MISUSE_C1, out);
    } else if (f->word.state == LG_WORD_UNLOCKED) {
        nothing(LG_MISUSE_C3, out);
        out->finding = LG_FIND_BAD_COND_WAIT;
        out->once = 1;
        out->detail = "condition wait with a mutex the caller does not hold:";
    } else if ((f->word.state == LG_WORD_OWNED && f->word.owner != f->caller) ||
               (f->word.state == LG_WORD_HELD && f->records_other)) {
        nothing(LG_MISUSE_C4, out);
        out->finding = LG_FIND_BAD_COND_WAIT;
        out->flags = LG_FINDF_NOT_OWNER;
        out->once = 1;
        out->released = !f->owner_checked;
        out->detail = "condition wait with a mutex held by another thread:";
    } else {
        nothing(LG_MISUSE_C5, out);
    }
    out->relocks = 1;
}

void lg_misuse_destroyed_use(int marked, int word_kind, struct lg_lock_word word,
                             enum lg_use_op op, lg_misuse_verdict *out)
{
    static const char *const what[] = {"lock of a destroyed lock:",
                                       "unlock of a destroyed lock:",
                                       "destroy of a destroyed lock:"};
    if (!marked) {
        nothing(LG_MISUSE_X1, out);
        return;
    }
    if (word_kind && word.state != LG_WORD_DESTROYED) {
        nothing(LG_MISUSE_X2, out);
        out->forget = 1;
        return;
    }
    nothing(LG_MISUSE_X3, out);
    out->finding = LG_FIND_USE_AFTER_DESTROY;
    out->once = 1;
    out->detail = what[op <= LG_USE_DESTROY ? op : 0];
}

void lg_misuse_fork_held(int blocks, uint8_t held_mode, uint8_t mode, lg_misuse_verdict *out)
{
    if (!blocks && held_mode == LG_MODE_READ && mode == LG_MODE_READ) {
        nothing(LG_MISUSE_F2, out);
        return;
    }
    nothing(LG_MISUSE_F1, out);
    out->finding = LG_FIND_FORK_HELD_LOCK;
    out->once = 1;
    out->detail = blocks ? "fork child blocks on a lock another parent thread held at the fork:"
                         : "fork child takes a lock another parent thread held at the fork:";
}

void lg_misuse_thread_end(enum lg_thread_end_how how, int phantom, int dead,
                          lg_misuse_verdict *out)
{
    if (phantom) {
        nothing(LG_MISUSE_E2, out);
        return;
    }
    if (dead) {
        nothing(LG_MISUSE_E3, out);
        return;
    }
    nothing(LG_MISUSE_E1, out);
    out->finding = LG_FIND_EXIT_HELD_LOCK;
    out->once = 1;
    out->detail = how == LG_END_RETURNED
                      ? "thread returned from its start routine still holding"
                      : "thread ended (pthread_exit or cancellation) still holding";
}
