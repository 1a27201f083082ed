/* Detection core: the misuse rules (misuse.h), one case per numbered rule, called
 * directly; then the same rules as the events apply them (lg_block_begin,
 * lg_bad_unlock, lg_check_destroy, lg_cond_wait_begin, lg_destroyed_use,
 * lg_fork_held_use) with a fake host: once-per-lock reports, the deadlock policy
 * after a wait that never ends, the model after a condition wait, the marks a
 * destroy and a fork leave, the nest-safe guard and errno. */
#include "fake_host.h"
#include "fork_held.h"
#include "lock_table.h"
#include "misuse.h"

#include <errno.h>
#include <string.h>

/* ---- lg_misuse_relock directly --------------------------------------------------- */

static lg_misuse_verdict relock(uint8_t kind, uint8_t subkind, uint8_t mode, int timed, int owns,
                                int holds)
{
    lg_relock_facts f = {kind, subkind, mode, (uint8_t)timed, (uint8_t)owns, (uint8_t)holds};
    lg_misuse_verdict v;
    memset(&v, 0xa5, sizeof v); /* poison: every field must be written */
    lg_misuse_relock(&f, &v);
    return v;
}

static void assert_no_finding(const lg_misuse_verdict *v)
{
    g_assert_cmpuint(v->finding, ==, 0);
    g_assert_cmpuint(v->flags, ==, 0);
    g_assert_cmpuint(v->hang, ==, 0);
    g_assert_cmpuint(v->released, ==, 0);
    g_assert_null(v->detail);
}

static void assert_self_deadlock(const lg_misuse_verdict *v, enum lg_misuse_rule rule,
                                 uint16_t flags, int once, int hang, const char *detail)
{
    g_assert_cmpint(v->rule, ==, rule);
    g_assert_cmpuint(v->waits, ==, 1);
    g_assert_cmpuint(v->finding, ==, LG_FIND_SELF_DEADLOCK);
    g_assert_cmpuint(v->flags, ==, flags);
    g_assert_cmpuint(v->once, ==, once);
    g_assert_cmpuint(v->hang, ==, hang);
    g_assert_cmpuint(v->released, ==, 0);
    g_assert_cmpstr(v->detail, ==, detail);
}

#define FOREVER "re-lock would block forever on"
#define EDEADLK_TEXT "re-lock (refused with EDEADLK) of"
#define TIMEOUT "re-lock (will time out) of"
#define UPGRADE "write lock requested while holding the read lock of"

/* R1: an owner re-taking a recursive mutex, a recursive mtx_t or a FILE lock. */
static void test_relock_r1_recursive_granted(void)
{
    lg_misuse_verdict v = relock(LG_KIND_MUTEX, LG_SUB_RECURSIVE, LG_MODE_EXCL, 0, 1, 1);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_R1);
    g_assert_cmpuint(v.waits, ==, 0);
    assert_no_finding(&v);
    v = relock(LG_KIND_MTX, LG_SUB_RECURSIVE, LG_MODE_EXCL, 1, 1, 1);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_R1);
    g_assert_cmpuint(v.waits, ==, 0);
    v = relock(LG_KIND_FILE, LG_SUB_RECURSIVE, LG_MODE_EXCL, 0, 1, 1);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_R1);
    v = relock(LG_KIND_FILE, LG_SUB_NORMAL, LG_MODE_EXCL, 0, 1, 0); /* FILE: by kind alone */
    g_assert_cmpint(v.rule, ==, LG_MISUSE_R1);
    g_assert_cmpuint(v.waits, ==, 0);
}

/* R2: not its own lock, a second read lock, or an entry whose ownership another
 * thread's unlock took away: an ordinary wait. */
static void test_relock_r2_ordinary_wait(void)
{
    lg_misuse_verdict v = relock(LG_KIND_MUTEX, LG_SUB_NORMAL, LG_MODE_EXCL, 0, 0, 0);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_R2);
    g_assert_cmpuint(v.waits, ==, 1);
    assert_no_finding(&v);
    v = relock(LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER, LG_MODE_READ, 0, 0, 1);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_R2);
    g_assert_cmpuint(v.waits, ==, 1);
    assert_no_finding(&v);
    v = relock(LG_KIND_MUTEX, LG_SUB_NORMAL, LG_MODE_EXCL, 0, 0, 1);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_R2);
    assert_no_finding(&v);
    /* a recursive lock held by someone else is waited for like any other */
    v = relock(LG_KIND_MUTEX, LG_SUB_RECURSIVE, LG_MODE_EXCL, 0, 0, 0);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_R2);
    g_assert_cmpuint(v.waits, ==, 1);
}

/* R3: the write lock asked for while holding the read lock never comes; it hangs
 * (R7) or times out (R6), worded as an upgrade. */
static void test_relock_r3_upgrade(void)
{
    lg_misuse_verdict v = relock(LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER, LG_MODE_WRITE, 0, 0, 1);
    assert_self_deadlock(&v, LG_MISUSE_R3, 0, 0, 1, UPGRADE);
    v = relock(LG_KIND_RWLOCK, LG_SUB_RW_PREFER_WRITER, LG_MODE_WRITE, 1, 0, 1);
    assert_self_deadlock(&v, LG_MISUSE_R3, LG_FINDF_TIMED, 1, 0, UPGRADE);
}

/* R4: an error-checking mutex answers its owner's re-lock with EDEADLK. */
static void test_relock_r4_errorcheck(void)
{
    lg_misuse_verdict v = relock(LG_KIND_MUTEX, LG_SUB_ERRORCHECK, LG_MODE_EXCL, 0, 1, 1);
    assert_self_deadlock(&v, LG_MISUSE_R4, 0, 1, 0, EDEADLK_TEXT);
    v = relock(LG_KIND_MUTEX, LG_SUB_ERRORCHECK, LG_MODE_EXCL, 1, 1, 1);
    assert_self_deadlock(&v, LG_MISUSE_R4, LG_FINDF_TIMED, 1, 0, EDEADLK_TEXT);
}

/* R5: an rwlock's writer re-locking it, for reading or writing, gets EDEADLK. */
static void test_relock_r5_rwlock_writer(void)
{
    lg_misuse_verdict v = relock(LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER, LG_MODE_WRITE, 0, 1, 1);
    assert_self_deadlock(&v, LG_MISUSE_R5, 0, 1, 0, EDEADLK_TEXT);
    v = relock(LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER, LG_MODE_READ, 0, 1, 1);
    assert_self_deadlock(&v, LG_MISUSE_R5, 0, 1, 0, EDEADLK_TEXT);
    v = relock(LG_KIND_RWLOCK, LG_SUB_RW_PREFER_WRITER, LG_MODE_READ, 1, 1, 1);
    assert_self_deadlock(&v, LG_MISUSE_R5, LG_FINDF_TIMED, 1, 0, EDEADLK_TEXT);
}

/* R6: any other re-lock with a deadline times out, reported once. */
static void test_relock_r6_timeout(void)
{
    lg_misuse_verdict v = relock(LG_KIND_MUTEX, LG_SUB_NORMAL, LG_MODE_EXCL, 1, 1, 1);
    assert_self_deadlock(&v, LG_MISUSE_R6, LG_FINDF_TIMED, 1, 0, TIMEOUT);
    v = relock(LG_KIND_MTX, LG_SUB_NORMAL, LG_MODE_EXCL, 1, 1, 1);
    assert_self_deadlock(&v, LG_MISUSE_R6, LG_FINDF_TIMED, 1, 0, TIMEOUT);
    /* only the plain mutex kind answers EDEADLK: an mtx_t of that subkind times out */
    v = relock(LG_KIND_MTX, LG_SUB_ERRORCHECK, LG_MODE_EXCL, 1, 1, 1);
    assert_self_deadlock(&v, LG_MISUSE_R6, LG_FINDF_TIMED, 1, 0, TIMEOUT);
}

/* R7: without a deadline it blocks forever: reported every time, policy follows. */
static void test_relock_r7_forever(void)
{
    static const struct { uint8_t kind, sub, mode; } cases[] = {
        {LG_KIND_MUTEX, LG_SUB_NORMAL, LG_MODE_EXCL},
        {LG_KIND_MUTEX, LG_SUB_ADAPTIVE, LG_MODE_EXCL},
        {LG_KIND_MTX, LG_SUB_NORMAL, LG_MODE_EXCL},
        {LG_KIND_SPIN, 0, LG_MODE_SPIN},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        lg_misuse_verdict v = relock(cases[i].kind, cases[i].sub, cases[i].mode, 0, 1, 1);
        assert_self_deadlock(&v, LG_MISUSE_R7, 0, 0, 1, FOREVER);
    }
}

/* ---- lg_misuse_unlock and lg_misuse_destroy directly ----------------------------- */

enum { ME = 100, OTHER = 200 };

static lg_misuse_verdict unlock(enum lg_word_state st, uint32_t owner, int records_other)
{
    lg_misuse_verdict v;
    memset(&v, 0xa5, sizeof v);
    lg_misuse_unlock((struct lg_lock_word){st, owner}, ME, records_other, &v);
    return v;
}

static void assert_bad_unlock(const lg_misuse_verdict *v, enum lg_misuse_rule rule,
                              int not_owner)
{
    g_assert_cmpint(v->rule, ==, rule);
    g_assert_cmpuint(v->finding, ==, LG_FIND_BAD_UNLOCK);
    g_assert_cmpuint(v->once, ==, 1);
    g_assert_cmpuint(v->hang, ==, 0);
    g_assert_cmpuint(v->flags, ==, not_owner ? LG_FINDF_NOT_OWNER : 0);
    g_assert_cmpuint(v->released, ==, not_owner);
    g_assert_cmpstr(v->detail, ==, not_owner ? "unlock of a lock held by another thread:"
                                             : "unlock of a lock that is not locked:");
}

static void test_unlock_u1_not_locked(void)
{
    lg_misuse_verdict v = unlock(LG_WORD_UNLOCKED, 0, 0);
    assert_bad_unlock(&v, LG_MISUSE_U1, 0);
    v = unlock(LG_WORD_UNLOCKED, 0, 1); /* the word wins over stale records */
    assert_bad_unlock(&v, LG_MISUSE_U1, 0);
}

static void test_unlock_u2_other_owner(void)
{
    lg_misuse_verdict v = unlock(LG_WORD_OWNED, OTHER, 0);
    assert_bad_unlock(&v, LG_MISUSE_U2, 1);
}

static void test_unlock_u3_own_untracked_hold(void)
{
    lg_misuse_verdict v = unlock(LG_WORD_OWNED, ME, 1);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_U3);
    assert_no_finding(&v);
}

static void test_unlock_u4_owner_unknown(void)
{
    lg_misuse_verdict v = unlock(LG_WORD_HELD, 0, 1);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_U4);
    assert_no_finding(&v);
}

static void test_unlock_u5_records_decide(void)
{
    lg_misuse_verdict v = unlock(LG_WORD_NO_OWNER, 0, 1);
    assert_bad_unlock(&v, LG_MISUSE_U5, 1);
    v = unlock(LG_WORD_NO_OWNER, 0, 0);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_U5);
    assert_no_finding(&v);
}

static void test_destroy_d1_held(void)
{
    lg_misuse_verdict v;
    memset(&v, 0xa5, sizeof v);
    lg_misuse_destroy(1, &v);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_D1);
    g_assert_cmpuint(v.finding, ==, LG_FIND_DESTROY_LOCKED);
    g_assert_cmpuint(v.flags, ==, 0);
    g_assert_cmpuint(v.once, ==, 1);
    g_assert_cmpuint(v.hang, ==, 0);
    g_assert_cmpstr(v.detail, ==, "destroy of a lock that is held:");
}

static void test_destroy_d2_not_held(void)
{
    lg_misuse_verdict v;
    memset(&v, 0xa5, sizeof v);
    lg_misuse_destroy(0, &v);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_D2);
    assert_no_finding(&v);
}

/* ---- the rules as the events apply them ------------------------------------------ */

static uint8_t sub_normal(uintptr_t a) { (void)a; return LG_SUB_NORMAL; }
static uint8_t sub_errorcheck(uintptr_t a) { (void)a; return LG_SUB_ERRORCHECK; }

struct step {
    void *lock;
    uint8_t kind, mode, flags;
    lg_subkind_fn sub;
    struct lg_lockrec *waited;
    int err_after; /* errno after the event, set to a marker before it */
    int guard_after;
};

#define ERRNO_MARK 4242

static void do_block(struct lg_thread *t, void *p)
{
    struct step *s = p;
    errno = ERRNO_MARK;
    s->waited = lg_block_begin(t, (uintptr_t)s->lock, s->kind, s->sub, s->mode, s->flags, 0x600100);
    s->err_after = errno;
    s->guard_after = t->in_shim;
    lg_block_end(t, s->waited);
}

static void block(fake_worker *w, struct step *s) { fake_worker_run(w, do_block, s); }

/* R7 through the event: a report each time, then the deadlock policy; the wait is
 * still published (the "wait" policy lets the thread block). */
static void test_event_relock_forever(void)
{
    static char lk[1];
    fake_worker *w = fake_worker_start();
    fake_acquire(w, lk, LG_KIND_MUTEX, sub_normal, LG_MODE_EXCL, 0, 0x600010);
    guint r0 = fake_report_count();
    unsigned p0 = fake_deadlock_policy_calls();
    struct step s = {lk, LG_KIND_MUTEX, LG_MODE_EXCL, 0, sub_normal, NULL, 0, -1};
    block(w, &s);
    block(w, &s);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 2);
    g_assert_cmpuint(fake_deadlock_policy_calls(), ==, p0 + 2);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_SELF_DEADLOCK);
    g_assert_cmpuint(f->flags, ==, 0);
    g_assert_true(s.waited == lg_table_find((uintptr_t)lk));
    /* the event left errno and the guard as it found them */
    g_assert_cmpint(s.err_after, ==, ERRNO_MARK);
    g_assert_cmpint(s.guard_after, ==, 0);
    fake_unlock(w, lk);
    fake_worker_stop(w);
    fake_assert_log_valid();
}

/* R4 through the event: reported once per lock instance, no policy. */
static void test_event_relock_once(void)
{
    static char lk[1];
    fake_worker *w = fake_worker_start();
    fake_acquire(w, lk, LG_KIND_MUTEX, sub_errorcheck, LG_MODE_EXCL, 0, 0x600020);
    guint r0 = fake_report_count();
    unsigned p0 = fake_deadlock_policy_calls();
    struct step s = {lk, LG_KIND_MUTEX, LG_MODE_EXCL, 0, sub_errorcheck, NULL, 0, -1};
    block(w, &s);
    block(w, &s);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    g_assert_cmpuint(fake_deadlock_policy_calls(), ==, p0);
    fake_unlock(w, lk);
    fake_worker_stop(w);
}

/* R1 through the event: nothing published. */
static void test_event_relock_recursive(void)
{
    static char lk[1];
    fake_worker *w = fake_worker_start();
    fake_acquire(w, lk, LG_KIND_FILE, NULL, LG_MODE_EXCL, 0, 0x600030);
    guint r0 = fake_report_count();
    struct step s = {lk, LG_KIND_FILE, LG_MODE_EXCL, 0, NULL, (void *)1, 0, -1};
    block(w, &s);
    g_assert_null(s.waited);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    fake_unlock(w, lk);
    fake_worker_stop(w);
}

struct unlock_step {
    void *lock;
    uint8_t kind;
    struct lg_lock_word word;
};

static void do_bad_unlock(struct lg_thread *t, void *p)
{
    struct unlock_step *s = p;
    lg_bad_unlock(t, (uintptr_t)s->lock, s->kind, s->word);
}

/* U5 through the event: the records' owner decides, and the owner is dropped (glibc
 * releases the lock); reported once. */
static void test_event_unlock_records_decide(void)
{
    static char lk[1];
    fake_worker *a = fake_worker_start(), *b = fake_worker_start();
    fake_acquire(a, lk, LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, 0x600040);
    guint r0 = fake_report_count();
    struct unlock_step s = {lk, LG_KIND_SPIN, {LG_WORD_NO_OWNER, 0}};
    fake_worker_run(b, do_bad_unlock, &s);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_BAD_UNLOCK);
    g_assert_cmpuint(f->flags, ==, LG_FINDF_NOT_OWNER);
    g_assert_null(atomic_load(&lg_table_find((uintptr_t)lk)->owner));
    fake_worker_run(b, do_bad_unlock, &s); /* no owner left: U5 says nothing */
    struct unlock_step u = {lk, LG_KIND_SPIN, {LG_WORD_UNLOCKED, 0}};
    fake_worker_run(b, do_bad_unlock, &u); /* U1, but bad-unlock was said for it */
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    fake_worker_stop(a);
    fake_worker_stop(b);
    fake_assert_log_valid();
}

static void do_destroy(struct lg_thread *t, void *p)
{
    lg_check_destroy(t, (uintptr_t)p, LG_KIND_MUTEX, (struct lg_lock_word){LG_WORD_HELD, 0});
}

/* D1 / D2 through the event. */
static void test_event_destroy(void)
{
    static char lk[2];
    fake_worker *a = fake_worker_start(), *b = fake_worker_start();
    fake_lock(a, &lk[0], 0x600050);
    guint r0 = fake_report_count();
    fake_worker_run(b, do_destroy, &lk[1]); /* never seen: D2 */
    g_assert_cmpuint(fake_report_count(), ==, r0);
    fake_worker_run(b, do_destroy, &lk[0]);
    fake_worker_run(b, do_destroy, &lk[0]);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    g_assert_cmpuint(fake_report_at(r0)->kind, ==, LG_FIND_DESTROY_LOCKED);
    fake_unlock(a, &lk[0]);
    fake_worker_stop(a);
    fake_worker_stop(b);
}

/* ---- lg_misuse_cond_wait directly ------------------------------------------------ */

#define CALLER 100u

static lg_misuse_verdict cond(int holds, int not_mutex, int records_other,
                              enum lg_word_state st, uint32_t owner)
{
    lg_cond_facts f = {.holds = (uint8_t)holds, .not_mutex = (uint8_t)not_mutex,
                       .records_other = (uint8_t)records_other, .caller = CALLER,
                       .word = {st, owner}};
    lg_misuse_verdict v;
    memset(&v, 0xa5, sizeof v);
    lg_misuse_cond_wait(&f, &v);
    return v;
}

static void assert_cond_quiet(const lg_misuse_verdict *v, enum lg_misuse_rule rule)
{
    g_assert_cmpint(v->rule, ==, rule);
    assert_no_finding(v);
    g_assert_cmpuint(v->relocks, ==, 1);
}

static void assert_bad_cond(const lg_misuse_verdict *v, enum lg_misuse_rule rule,
                            uint16_t flags, int released, int relocks)
{
    g_assert_cmpint(v->rule, ==, rule);
    g_assert_cmpuint(v->finding, ==, LG_FIND_BAD_COND_WAIT);
    g_assert_cmpuint(v->flags, ==, flags);
    g_assert_cmpuint(v->once, ==, 1);
    g_assert_cmpuint(v->hang, ==, 0);
    g_assert_cmpuint(v->released, ==, released);
    g_assert_cmpuint(v->relocks, ==, relocks);
    g_assert_nonnull(v->detail);
}

/* C1-C5: who holds the mutex decides; every mutex case re-locks for the caller. */
static void test_cond_rules(void)
{
    lg_misuse_verdict v = cond(1, 0, 0, LG_WORD_OWNED, CALLER);
    assert_cond_quiet(&v, LG_MISUSE_C1);
    /* C2: not a mutex, whatever the rest says; the model is left alone */
    v = cond(0, 1, 0, LG_WORD_UNLOCKED, 0);
    assert_bad_cond(&v, LG_MISUSE_C2, LG_FINDF_NOT_MUTEX, 0, 0);
    v = cond(1, 1, 1, LG_WORD_OWNED, 7);
    assert_bad_cond(&v, LG_MISUSE_C2, LG_FINDF_NOT_MUTEX, 0, 0);
    /* C3: unlocked (the records' owner lags behind the word: the word wins) */
    v = cond(0, 0, 0, LG_WORD_UNLOCKED, 0);
    assert_bad_cond(&v, LG_MISUSE_C3, 0, 0, 1);
    v = cond(0, 0, 1, LG_WORD_UNLOCKED, 0);
    assert_bad_cond(&v, LG_MISUSE_C3, 0, 0, 1);
    /* C4: another thread, named by the word or by the records */
    v = cond(0, 0, 0, LG_WORD_OWNED, CALLER + 1);
    assert_bad_cond(&v, LG_MISUSE_C4, LG_FINDF_NOT_OWNER, 1, 1);
    v = cond(0, 0, 1, LG_WORD_HELD, 0);
    assert_bad_cond(&v, LG_MISUSE_C4, LG_FINDF_NOT_OWNER, 1, 1);
    /* ... a type that checks its owner: glibc refuses (EPERM), nothing released */
    lg_cond_facts checked = {.caller = CALLER, .owner_checked = 1,
                             .word = {LG_WORD_OWNED, CALLER + 1}};
    memset(&v, 0xa5, sizeof v);
    lg_misuse_cond_wait(&checked, &v);
    assert_bad_cond(&v, LG_MISUSE_C4, LG_FINDF_NOT_OWNER, 0, 1);
    /* C5: the caller's untracked hold, or nobody named */
    v = cond(0, 0, 0, LG_WORD_OWNED, CALLER);
    assert_cond_quiet(&v, LG_MISUSE_C5);
    v = cond(0, 0, 0, LG_WORD_HELD, 0);
    assert_cond_quiet(&v, LG_MISUSE_C5);
    v = cond(0, 0, 0, LG_WORD_DESTROYED, 0);
    assert_cond_quiet(&v, LG_MISUSE_C5);
}

/* X1-X3: the records' mark, and for mutexes the word. */
static void test_destroyed_use_rules(void)
{
    lg_misuse_verdict v;
    struct lg_lock_word destroyed = {LG_WORD_DESTROYED, 0}, unlocked = {LG_WORD_UNLOCKED, 0};
    memset(&v, 0xa5, sizeof v);
    lg_misuse_destroyed_use(0, 1, destroyed, LG_USE_LOCK, &v);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_X1);
    assert_no_finding(&v);
    g_assert_cmpuint(v.forget, ==, 0);
    memset(&v, 0xa5, sizeof v);
    lg_misuse_destroyed_use(1, 1, unlocked, LG_USE_LOCK, &v); /* re-set by assignment */
    g_assert_cmpint(v.rule, ==, LG_MISUSE_X2);
    assert_no_finding(&v);
    g_assert_cmpuint(v.forget, ==, 1);
    memset(&v, 0xa5, sizeof v);
    lg_misuse_destroyed_use(1, 1, destroyed, LG_USE_UNLOCK, &v);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_X3);
    g_assert_cmpuint(v.finding, ==, LG_FIND_USE_AFTER_DESTROY);
    g_assert_cmpuint(v.once, ==, 1);
    g_assert_cmpuint(v.forget, ==, 0);
    g_assert_cmpstr(v.detail, ==, "unlock of a destroyed lock:");
    /* a kind whose word shows no destroy: the mark decides */
    lg_misuse_destroyed_use(1, 0, unlocked, LG_USE_DESTROY, &v);
    g_assert_cmpint(v.rule, ==, LG_MISUSE_X3);
    g_assert_cmpstr(v.detail, ==, "destroy of a destroyed lock:");
    lg_misuse_destroyed_use(1, 0, unlocked, LG_USE_LOCK, &v);
    g_assert_cmpstr(v.detail, ==, "lock of a destroyed lock:");
}

/* F1-F2: a wait, or any non-read pairing, reports; read after read does not. */
static void test_fork_held_rules(void)
{
    lg_misuse_verdict v;
    static const uint8_t modes[] = {LG_MODE_EXCL, LG_MODE_READ, LG_MODE_WRITE, LG_MODE_SPIN};
    for (size_t i = 0; i < sizeof modes; i++)
        for (size_t j = 0; j < sizeof modes; j++)
            for (int blocks = 0; blocks < 2; blocks++) {
                memset(&v, 0xa5, sizeof v);
                lg_misuse_fork_held(blocks, modes[i], modes[j], &v);
                int quiet = !blocks && modes[i] == LG_MODE_READ && modes[j] == LG_MODE_READ;
                g_assert_cmpint(v.rule, ==, quiet ? LG_MISUSE_F2 : LG_MISUSE_F1);
                g_assert_cmpuint(v.finding, ==, quiet ? 0 : LG_FIND_FORK_HELD_LOCK);
                g_assert_cmpuint(v.flags, ==, 0);
                g_assert_cmpuint(v.hang, ==, 0);
            }
}

/* E1-E3: a thread's end, per held entry. */
static void test_thread_end_rules(void)
{
    lg_misuse_verdict v;
    for (int how = LG_END_RETURNED; how <= LG_END_UNWOUND; how++)
        for (int phantom = 0; phantom < 2; phantom++)
            for (int dead = 0; dead < 2; dead++) {
                memset(&v, 0xa5, sizeof v);
                lg_misuse_thread_end(how, phantom, dead, &v);
                enum lg_misuse_rule want = phantom ? LG_MISUSE_E2 : dead ? LG_MISUSE_E3
                                                                         : LG_MISUSE_E1;
                g_assert_cmpint(v.rule, ==, want);
                g_assert_cmpuint(v.finding, ==, want == LG_MISUSE_E1 ? LG_FIND_EXIT_HELD_LOCK : 0);
                g_assert_cmpuint(v.once, ==, want == LG_MISUSE_E1);
                g_assert_cmpuint(v.flags, ==, 0);
                g_assert_cmpuint(v.hang, ==, 0);
                g_assert_cmpuint(v.released, ==, 0);
                if (want == LG_MISUSE_E1)
                    g_assert_nonnull(strstr(v.detail, how == LG_END_RETURNED
                                                          ? "returned from its start routine"
                                                          : "pthread_exit or cancellation"));
                else
                    g_assert_null(v.detail);
            }
}

/* ---- the same rules through the events --------------------------------------------- */

struct cond_step {
    void *m;
    struct lg_lock_word word;
    int relocks;
};

static void do_cond(struct lg_thread *t, void *p)
{
    struct cond_step *s = p;
    s->relocks = lg_cond_wait_begin(t, (uintptr_t)s->m, LG_KIND_MUTEX, sub_normal, s->word);
    lg_cond_wait_end(t);
}

/* C4: the holder's hold ends with the wait (no owner, its entry a phantom that its
 * release drops without counting); the waiter holds the mutex after the wait. */
static void test_event_cond_other_owner(void)
{
    static char lk[1];
    fake_worker *a = fake_worker_start(), *b = fake_worker_start();
    fake_lock(a, lk, 0x600060);
    struct lg_thread *ta = fake_worker_thread(a), *tb = fake_worker_thread(b);
    guint r0 = fake_report_count();
    struct cond_step s = {lk, {LG_WORD_OWNED, ta->tid}, -1};
    fake_worker_run(b, do_cond, &s);
    g_assert_cmpint(s.relocks, ==, 1);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_BAD_COND_WAIT);
    g_assert_cmpuint(f->flags, ==, LG_FINDF_NOT_OWNER);
    g_assert_cmpuint(f->items[0].thread, ==, fake_worker_serial(b));
    g_assert_true(fake_stack_is_of(f->items[0].other_stack, 0x600060)); /* the holder's */
    struct lg_lockrec *l = lg_table_find((uintptr_t)lk);
    g_assert_null(atomic_load(&l->owner));
    /* the wait returned with the mutex locked for b */
    fake_acquire(b, lk, LG_KIND_MUTEX, sub_normal, LG_MODE_EXCL, 0, 0x600061);
    g_assert_true(atomic_load(&l->owner) == tb);
    /* a's unlock is no release of a's (the hook then checks it as an unlock) */
    g_assert_cmpint(fake_unlock(a, lk), ==, 0);
    g_assert_cmpuint(ta->nheld, ==, 0);
    g_assert_true(atomic_load(&l->owner) == tb);
    g_assert_cmpint(fake_unlock(b, lk), ==, 1);
    /* once per lock instance */
    fake_lock(a, lk, 0x600060);
    fake_worker_run(b, do_cond, &s);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    fake_worker_stop(a);
    fake_worker_stop(b);
    fake_assert_log_valid();
}

/* C3 and C2 through the event: reported once each; a non-mutex is left alone. */
static void test_event_cond_unheld_not_mutex(void)
{
    static char lk[1], rw[1];
    fake_worker *b = fake_worker_start();
    struct lg_thread *tb = fake_worker_thread(b);
    guint r0 = fake_report_count();
    struct cond_step s = {lk, {LG_WORD_UNLOCKED, 0}, -1};
    fake_worker_run(b, do_cond, &s);
    g_assert_cmpint(s.relocks, ==, 1);
    fake_worker_run(b, do_cond, &s);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    g_assert_cmpuint(fake_report_at(r0)->kind, ==, LG_FIND_BAD_COND_WAIT);
    g_assert_cmpuint(fake_report_at(r0)->flags, ==, 0);
    /* an rwlock the caller write-holds, passed as the mutex: still held after */
    fake_acquire(b, rw, LG_KIND_RWLOCK, NULL, LG_MODE_WRITE, 0, 0x600062);
    struct cond_step w = {rw, {LG_WORD_OWNED, tb->tid}, -1};
    fake_worker_run(b, do_cond, &w);
    g_assert_cmpint(w.relocks, ==, 0);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 2);
    g_assert_cmpuint(fake_report_at(r0 + 1)->flags, ==, LG_FINDF_NOT_MUTEX);
    g_assert_cmpuint(tb->nheld, ==, 1);
    g_assert_cmpint(fake_unlock(b, rw), ==, 1);
    fake_worker_stop(b);
    fake_assert_log_valid();
}

struct use_step {
    void *lock;
    uint8_t kind;
    struct lg_lock_word word;
    int destroyed;
};

static void do_destroyed(struct lg_thread *t, void *p)
{
    lg_lock_destroyed(t, (uintptr_t)p, 0x600070);
}

static void do_use(struct lg_thread *t, void *p)
{
    struct use_step *s = p;
    s->destroyed = lg_destroyed_use(t, (uintptr_t)s->lock, s->kind, s->word, LG_USE_LOCK);
}

static void do_reinit(struct lg_thread *t, void *p)
{
    lg_lock_end(t, (uintptr_t)p, LG_RETIRE_REINIT);
}

/* Lock, unlock, destroy, then a use: X3 with both stacks, once; the next
 * instance at the address starts clean. */
static void test_event_use_after_destroy(void)
{
    static char lk[1];
    fake_worker *a = fake_worker_start();
    fake_acquire(a, lk, LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, 0x600071);
    fake_unlock(a, lk);
    struct lg_lockrec *old = lg_table_find((uintptr_t)lk);
    fake_worker_run(a, do_destroyed, lk);
    g_assert_null(lg_table_find((uintptr_t)lk));
    g_assert_true(lg_table_find_any((uintptr_t)lk) == old);
    guint r0 = fake_report_count();
    struct use_step s = {lk, LG_KIND_SPIN, {LG_WORD_UNLOCKED, 0}, -1};
    fake_worker_run(a, do_use, &s);
    g_assert_cmpint(s.destroyed, ==, 1);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_USE_AFTER_DESTROY);
    g_assert_true(f->items[0].lock == old);
    const uintptr_t site = 0x600070;
    g_assert_true(fake_stack_is(f->items[0].other_stack, &site, 1)); /* the destroy's */
    fake_worker_run(a, do_use, &s);
    g_assert_cmpint(s.destroyed, ==, 1);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    /* glibc let the spinlock be taken: a new instance, said already for the old one */
    fake_acquire(a, lk, LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, 0x600072);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    struct lg_lockrec *now = lg_table_find((uintptr_t)lk);
    g_assert_true(now != old);
    g_assert_cmpuint(now->gen, ==, old->gen + 1);
    fake_unlock(a, lk);
    fake_worker_stop(a);
    fake_assert_log_valid();
}

/* What ends the mark: a re-init, the free of the memory, a mutex word that is no
 * longer destroyed (assignment of an initializer). */
static void test_event_destroy_mark_ends(void)
{
    static char lk[2];
    char *heap = g_malloc(64);
    fake_worker *a = fake_worker_start();
    void *locks[3] = {&lk[0], &lk[1], heap + 8};
    for (int i = 0; i < 3; i++) {
        fake_acquire(a, locks[i], i == 1 ? LG_KIND_MUTEX : LG_KIND_RWLOCK, NULL,
                     LG_MODE_WRITE, 0, 0x600073);
        fake_unlock(a, locks[i]);
        fake_worker_run(a, do_destroyed, locks[i]);
    }
    /* positive control: the same three kinds, destroyed the same way but not
     * ended, are caught at their next use */
    static char ctl[2];
    char *cheap = g_malloc(64);
    void *controls[3] = {&ctl[0], &ctl[1], cheap + 8};
    for (int i = 0; i < 3; i++) {
        fake_acquire(a, controls[i], i == 1 ? LG_KIND_MUTEX : LG_KIND_RWLOCK, NULL,
                     LG_MODE_WRITE, 0, 0x600074);
        fake_unlock(a, controls[i]);
        fake_worker_run(a, do_destroyed, controls[i]);
    }
    guint c0 = fake_report_count();
    for (int i = 0; i < 3; i++) {
        struct use_step c = {controls[i], i == 1 ? LG_KIND_MUTEX : LG_KIND_RWLOCK,
                             {i == 1 ? LG_WORD_DESTROYED : LG_WORD_UNLOCKED, 0}, -1};
        fake_worker_run(a, do_use, &c);
        g_assert_cmpint(c.destroyed, ==, 1);
    }
    g_assert_cmpuint(fake_report_count(), ==, c0 + 3);
    guint r0 = fake_report_count();
    fake_worker_run(a, do_reinit, &lk[0]);
    struct use_step s = {&lk[0], LG_KIND_RWLOCK, {LG_WORD_UNLOCKED, 0}, -1};
    fake_worker_run(a, do_use, &s);
    g_assert_cmpint(s.destroyed, ==, 0);
    struct use_step m = {&lk[1], LG_KIND_MUTEX, {LG_WORD_UNLOCKED, 0}, -1};
    fake_worker_run(a, do_use, &m);
    g_assert_cmpint(m.destroyed, ==, 0);
    m.word.state = LG_WORD_DESTROYED; /* the mark went with the assignment */
    fake_worker_run(a, do_use, &m);
    g_assert_cmpint(m.destroyed, ==, 0);
    lg_memory_freed((uintptr_t)heap, (uintptr_t)heap + 64);
    struct use_step h = {heap + 8, LG_KIND_RWLOCK, {LG_WORD_UNLOCKED, 0}, -1};
    fake_worker_run(a, do_use, &h);
    g_assert_cmpint(h.destroyed, ==, 0);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    fake_worker_stop(a);
    g_free(heap);
    g_free(cheap);
    fake_assert_log_valid();
}

static void do_snapshot(struct lg_thread *t, void *p)
{
    (void)p;
    struct lg_guard g = lg_guard_enter(t);
    lg_fork_held_snapshot(t);
    lg_guard_leave(t, g);
}

/* The snapshot keeps other threads' holds (not the forking thread's); the child's
 * first wait for one reports with the fork's stack and the holder's, once. */
static void test_event_fork_held(void)
{
    static char lk[1], own[1], rw[1];
    fake_worker *a = fake_worker_start(), *b = fake_worker_start();
    fake_lock(a, lk, 0x600080);
    fake_acquire(a, rw, LG_KIND_RWLOCK, NULL, LG_MODE_READ, 0, 0x600081);
    fake_lock(b, own, 0x600082);
    fake_worker_run(b, do_snapshot, NULL);
    g_assert_cmpuint(lg_fork_held_count(), ==, 2);
    g_assert_true(atomic_load(&lg_table_find((uintptr_t)lk)->flags) & LG_LR_FORK_HELD);
    g_assert_false(atomic_load(&lg_table_find((uintptr_t)own)->flags) & LG_LR_FORK_HELD);
    guint r0 = fake_report_count();
    /* the forking thread's own lock: nothing */
    g_assert_cmpint(fake_unlock(b, own), ==, 1);
    fake_lock(b, own, 0x600083);
    g_assert_cmpint(fake_unlock(b, own), ==, 1);
    /* a read lock of a read-held rwlock is granted: nothing yet */
    fake_acquire(b, rw, LG_KIND_RWLOCK, NULL, LG_MODE_READ, 0, 0x600084);
    g_assert_cmpint(fake_unlock(b, rw), ==, 1);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    struct step s = {lk, LG_KIND_MUTEX, LG_MODE_EXCL, 0, sub_normal, NULL, 0, -1};
    block(b, &s);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_FORK_HELD_LOCK);
    g_assert_cmpuint(f->n, ==, 2);
    g_assert_cmpuint(f->items[0].thread, ==, fake_worker_serial(b));
    g_assert_cmpuint(f->items[0].other_stack, !=, 0); /* the fork's */
    g_assert_cmpuint(f->items[1].thread, ==, fake_worker_serial(a));
    g_assert_true(fake_stack_is_of(f->items[1].stack, 0x600080)); /* the holder's */
    g_assert_false(atomic_load(&lg_table_find((uintptr_t)lk)->flags) & LG_LR_FORK_HELD);
    block(b, &s);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    /* a write lock of the read-held rwlock: reported */
    fake_acquire(b, rw, LG_KIND_RWLOCK, NULL, LG_MODE_WRITE, 0, 0x600085);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 2);
    g_assert_cmpuint(fake_report_at(r0 + 1)->kind, ==, LG_FIND_FORK_HELD_LOCK);
    fake_unlock(b, rw);
    fake_unlock(a, rw);
    fake_unlock(a, lk);
    fake_worker_stop(a);
    fake_worker_stop(b);
    fake_assert_log_valid();
}

/* The guard nests: an inner pair never lowers the outer one, and errno comes back. */
static void do_nest(struct lg_thread *t, void *p)
{
    int *ok = p;
    errno = 7;
    struct lg_guard outer = lg_guard_enter(t);
    errno = 8;
    struct lg_guard inner = lg_guard_enter(t);
    errno = 9;
    lg_guard_leave(t, inner);
    ok[0] = t->in_shim == 1 && errno == 8 && lg_event_thread() == NULL;
    lg_guard_leave(t, outer);
    ok[1] = t->in_shim == 0 && errno == 7 && lg_event_thread() == t;
}

static void test_guard_nests(void)
{
    fake_worker *w = fake_worker_start();
    int ok[2] = {0, 0};
    fake_worker_run(w, do_nest, ok);
    g_assert_true(ok[0]);
    g_assert_true(ok[1]);
    fake_worker_stop(w);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_set_stack_bounds(0, 0);
    g_test_add_func("/core/misuse/relock/r1-recursive-granted", test_relock_r1_recursive_granted);
    g_test_add_func("/core/misuse/relock/r2-ordinary-wait", test_relock_r2_ordinary_wait);
    g_test_add_func("/core/misuse/relock/r3-upgrade", test_relock_r3_upgrade);
    g_test_add_func("/core/misuse/relock/r4-errorcheck", test_relock_r4_errorcheck);
    g_test_add_func("/core/misuse/relock/r5-rwlock-writer", test_relock_r5_rwlock_writer);
    g_test_add_func("/core/misuse/relock/r6-timeout", test_relock_r6_timeout);
    g_test_add_func("/core/misuse/relock/r7-forever", test_relock_r7_forever);
    g_test_add_func("/core/misuse/unlock/u1-not-locked", test_unlock_u1_not_locked);
    g_test_add_func("/core/misuse/unlock/u2-other-owner", test_unlock_u2_other_owner);
    g_test_add_func("/core/misuse/unlock/u3-own-untracked-hold", test_unlock_u3_own_untracked_hold);
    g_test_add_func("/core/misuse/unlock/u4-owner-unknown", test_unlock_u4_owner_unknown);
    g_test_add_func("/core/misuse/unlock/u5-records-decide", test_unlock_u5_records_decide);
    g_test_add_func("/core/misuse/destroy/d1-held", test_destroy_d1_held);
    g_test_add_func("/core/misuse/destroy/d2-not-held", test_destroy_d2_not_held);
    g_test_add_func("/core/misuse/events/relock-forever", test_event_relock_forever);
    g_test_add_func("/core/misuse/events/relock-once", test_event_relock_once);
    g_test_add_func("/core/misuse/events/relock-recursive", test_event_relock_recursive);
    g_test_add_func("/core/misuse/events/unlock-records-decide", test_event_unlock_records_decide);
    g_test_add_func("/core/misuse/events/destroy", test_event_destroy);
    g_test_add_func("/core/misuse/events/guard-nests", test_guard_nests);
    g_test_add_func("/core/misuse/cond/c1-c5", test_cond_rules);
    g_test_add_func("/core/misuse/destroyed-use/x1-x3", test_destroyed_use_rules);
    g_test_add_func("/core/misuse/fork-held/f1-f2", test_fork_held_rules);
    g_test_add_func("/core/misuse/thread-end/e1-e3", test_thread_end_rules);
    g_test_add_func("/core/misuse/events/cond-other-owner", test_event_cond_other_owner);
    g_test_add_func("/core/misuse/events/cond-unheld-not-mutex", test_event_cond_unheld_not_mutex);
    g_test_add_func("/core/misuse/events/use-after-destroy", test_event_use_after_destroy);
    g_test_add_func("/core/misuse/events/destroy-mark-ends", test_event_destroy_mark_ends);
    g_test_add_func("/core/misuse/events/fork-held", test_event_fork_held);
    return g_test_run();
}
