/* Detection core: the tool lock and signals (detect/tool_lock.h).  Once the program
 * has a handler, a thread holding a tool lock has asynchronous signals blocked, so
 * a handler never runs inside a tool-lock section: the cycle "handler on A waits
 * for an application lock held by B, B waits for the tool lock held by A" (found by
 * the soak's signals case) cannot form. */
#define _GNU_SOURCE
#include "tool_lock.h"

#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

static int blocked(int sig)
{
    sigset_t cur;
    g_assert_cmpint(pthread_sigmask(SIG_SETMASK, NULL, &cur), ==, 0);
    return sigismember(&cur, sig);
}

static void test_no_handler_no_mask(void)
{
    /* runs in its own process (ctest -p): no handler noted yet */
    g_assert_false(lg_tool_lock_handlers_seen());
    static lg_tool_lock l;
    lg_tool_lock_take(&l);
    g_assert_false(blocked(SIGUSR1));
    lg_tool_lock_give(&l);
}

static void test_handler_masks_async(void)
{
    static lg_tool_lock a, b;
    sigset_t pre;
    sigemptyset(&pre);
    sigaddset(&pre, SIGUSR2); /* the program's own mask survives the sections */
    pthread_sigmask(SIG_BLOCK, &pre, NULL);
    lg_tool_lock_note_handler();
    lg_tool_lock_take(&a);
    g_assert_true(blocked(SIGUSR1));
    g_assert_true(blocked(SIGALRM));
    g_assert_true(blocked(SIGTERM));
    g_assert_false(blocked(SIGSEGV)); /* synchronous: never blocked */
    g_assert_false(blocked(SIGBUS));
    lg_tool_lock_take(&b); /* nested */
    lg_tool_lock_give(&b);
    g_assert_true(blocked(SIGUSR1)); /* still inside a */
    lg_tool_lock_give(&a);
    g_assert_false(blocked(SIGUSR1));
    g_assert_true(blocked(SIGUSR2));
    pthread_sigmask(SIG_UNBLOCK, &pre, NULL);
}

static volatile sig_atomic_t usr1_ran;
static void count_usr1(int sig)
{
    (void)sig;
    usr1_ran++;
}

/* A slow path that takes several tool locks in a row opens one section around them
 * (one mask change per event): a signal due between two of its locks waits for the
 * section's end, not for the first lock's give. */
static void test_section_spans_locks(void)
{
    static lg_tool_lock a, b;
    struct sigaction sa = {0}, old;
    sa.sa_handler = count_usr1;
    g_assert_cmpint(sigaction(SIGUSR1, &sa, &old), ==, 0);
    lg_tool_lock_note_handler();
    usr1_ran = 0;
    lg_tool_section_enter();
    g_assert_true(blocked(SIGUSR1));
    lg_tool_lock_take(&a);
    lg_tool_lock_give(&a);
    g_assert_true(blocked(SIGUSR1)); /* the section still holds the mask */
    raise(SIGUSR1);
    g_assert_cmpint(usr1_ran, ==, 0);
    lg_tool_lock_take(&b);
    lg_tool_lock_give(&b);
    g_assert_cmpint(usr1_ran, ==, 0);
    lg_tool_section_leave();
    g_assert_false(blocked(SIGUSR1));
    g_assert_cmpint(usr1_ran, ==, 1); /* delivered when the mask went back */
    sigaction(SIGUSR1, &old, NULL);
}

static void test_fork_child_forgets(void)
{
    static lg_tool_lock l;
    lg_tool_lock_note_handler();
    lg_tool_lock_take(&l); /* as atfork_prepare takes the graph lock */
    g_assert_true(blocked(SIGUSR1));
    lg_tool_lock_reset(&l); /* as the child resets it */
    lg_tool_locks_after_fork_child();
    g_assert_false(blocked(SIGUSR1));
    lg_tool_lock_take(&l); /* the counting starts afresh */
    lg_tool_lock_give(&l);
    g_assert_false(blocked(SIGUSR1));
}

/* The soak's hang, made deterministic: B holds the application lock h and waits
 * for the tool lock; A holds the tool lock and gets a signal whose handler locks h.
 * With the signal deferred to A's give, everyone finishes; without, A's handler
 * waits for B, which waits for A. */
static lg_tool_lock tl;
static pthread_mutex_t h = PTHREAD_MUTEX_INITIALIZER;
static int b_holds_h, handler_ran;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_lock(&h);
    __atomic_store_n(&handler_ran, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&h);
}

static void *thread_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&h);
    __atomic_store_n(&b_holds_h, 1, __ATOMIC_RELEASE);
    lg_tool_lock_take(&tl);
    lg_tool_lock_give(&tl);
    pthread_mutex_unlock(&h);
    return NULL;
}

static void *thread_a(void *arg)
{
    pthread_t *b = arg;
    lg_tool_lock_take(&tl);
    g_assert_cmpint(pthread_create(b, NULL, thread_b, NULL), ==, 0);
    while (!__atomic_load_n(&b_holds_h, __ATOMIC_ACQUIRE))
        sched_yield();
    pthread_kill(pthread_self(), SIGUSR1); /* delivered here, or at the give */
    g_assert_false(__atomic_load_n(&handler_ran, __ATOMIC_ACQUIRE));
    lg_tool_lock_give(&tl);
    return NULL;
}

static void test_handler_waits_for_give(void)
{
    struct sigaction sa = {.sa_handler = on_usr1};
    sigemptyset(&sa.sa_mask);
    g_assert_cmpint(sigaction(SIGUSR1, &sa, NULL), ==, 0);
    lg_tool_lock_note_handler(); /* what the shim's sigaction hook does */
    pthread_t a, b;
    g_assert_cmpint(pthread_create(&a, NULL, thread_a, &b), ==, 0);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60; /* a hang guard, not a timing goal */
    g_assert_cmpint(pthread_timedjoin_np(a, NULL, &until), ==, 0);
    g_assert_cmpint(pthread_timedjoin_np(b, NULL, &until), ==, 0);
    g_assert_true(__atomic_load_n(&handler_ran, __ATOMIC_ACQUIRE));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/tool_lock/no-handler-no-mask", test_no_handler_no_mask);
    g_test_add_func("/core/tool_lock/handler-masks-async", test_handler_masks_async);
    g_test_add_func("/core/tool_lock/section-spans-locks", test_section_spans_locks);
    g_test_add_func("/core/tool_lock/fork-child-forgets", test_fork_child_forgets);
    g_test_add_func("/core/tool_lock/handler-waits-for-give", test_handler_waits_for_give);
    return g_test_run();
}
