/* verify_wrap: calls every lock entry point the shim interposes, each in a way that
 * leaves its own trace in the log (an edge with a given mode or flag, a retired
 * lock with a given reason, a thread record), and prints "name address" for every
 * lock so tests/integration/it_verify_wrap.py can check, through `lockgraph dump`,
 * that each hook fired.  (After helgrind's tc20_verifywrap.)
 *
 * The hooks that end a process image leave their trace in the log's END record: the
 * program then runs a chain of images of itself, each started by the next exec
 * entry point of exec_chain[] (the image that calls it must end with END exec, and
 * the new image writes the next log, same pid, lg.PID.N.log); the last image forks
 * a child that leaves by _Exit and itself leaves by _exit (END exit in both logs:
 * without the hooks neither would have an END, as no destructor runs).  Every
 * image prints "image N pid P", the last one also "child C". */
#define _GNU_SOURCE
#include <lockgraph/annotate.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

void glib_hooks(void); /* glib_wrap.c */
void omp_hooks(void);  /* omp_wrap.c */

static void name(const char *n, const volatile void *p) { printf("%s %p\n", n, (const void *)p); }

static struct timespec soon(clockid_t c, long ms)
{
    struct timespec t;
    clock_gettime(c, &t);
    t.tv_nsec += ms * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    return t;
}

static pthread_mutex_t m_outer = PTHREAD_MUTEX_INITIALIZER, m_lock = PTHREAD_MUTEX_INITIALIZER,
                       m_try = PTHREAD_MUTEX_INITIALIZER, m_timed = PTHREAD_MUTEX_INITIALIZER,
                       m_clock = PTHREAD_MUTEX_INITIALIZER, m_after = PTHREAD_MUTEX_INITIALIZER;

static void mutexes(void)
{
    name("m_outer", &m_outer), name("m_lock", &m_lock), name("m_try", &m_try);
    name("m_timed", &m_timed), name("m_clock", &m_clock), name("m_after", &m_after);
    pthread_mutex_lock(&m_outer);
    pthread_mutex_lock(&m_lock);                 /* m_outer -> m_lock */
    pthread_mutex_unlock(&m_lock);
    if (pthread_mutex_trylock(&m_try) == 0)      /* m_outer -> m_try (try) */
        pthread_mutex_unlock(&m_try);
    struct timespec t = soon(CLOCK_REALTIME, 100);
    if (pthread_mutex_timedlock(&m_timed, &t) == 0) /* m_outer -> m_timed (timed) */
        pthread_mutex_unlock(&m_timed);
    t = soon(CLOCK_MONOTONIC, 100);
    if (pthread_mutex_clocklock(&m_clock, CLOCK_MONOTONIC, &t) == 0) /* (timed) */
        pthread_mutex_unlock(&m_clock);
    pthread_mutex_unlock(&m_outer);
    /* unlock was seen: m_after is taken with nothing held (no m_outer -> m_after) */
    pthread_mutex_lock(&m_after);
    pthread_mutex_unlock(&m_after);

    static pthread_mutex_t m_init;
    name("m_init", &m_init);
    pthread_mutex_init(&m_init, NULL);
    pthread_mutex_lock(&m_init);
    pthread_mutex_unlock(&m_init);
    pthread_mutex_init(&m_init, NULL); /* re-init: retired (reason 2) */
    pthread_mutex_lock(&m_init);
    pthread_mutex_unlock(&m_init);
    pthread_mutex_destroy(&m_init);    /* destroy: retired (reason 1) */
}

static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL;
}

static void consistent(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&robust);
    int c = pthread_mutex_consistent(&robust);
    pthread_mutex_unlock(&robust);
    int again = pthread_mutex_lock(&robust);
    pthread_mutex_unlock(&robust);
    printf("robust lock=%d consistent=%d again=%d\n", r, c, again);
}

static pthread_rwlock_t rw_outer = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rw[8];

static void rwlocks(void)
{
    name("rw_outer", &rw_outer);
    for (int i = 0; i < 8; i++) {
        char n[8] = "rw0";
        n[2] = (char)('0' + i);
        name(n, &rw[i]);
        pthread_rwlock_init(&rw[i], NULL);
    }
    struct timespec t;
    pthread_rwlock_wrlock(&rw_outer);
    pthread_rwlock_rdlock(&rw[0]), pthread_rwlock_unlock(&rw[0]);            /* write -> read */
    pthread_rwlock_wrlock(&rw[1]), pthread_rwlock_unlock(&rw[1]);            /* write -> write */
    if (pthread_rwlock_tryrdlock(&rw[2]) == 0) pthread_rwlock_unlock(&rw[2]); /* read try */
    if (pthread_rwlock_trywrlock(&rw[3]) == 0) pthread_rwlock_unlock(&rw[3]); /* write try */
    t = soon(CLOCK_REALTIME, 100);
    if (pthread_rwlock_timedrdlock(&rw[4], &t) == 0) pthread_rwlock_unlock(&rw[4]);
    t = soon(CLOCK_REALTIME, 100);
    if (pthread_rwlock_timedwrlock(&rw[5], &t) == 0) pthread_rwlock_unlock(&rw[5]);
    t = soon(CLOCK_MONOTONIC, 100);
    if (pthread_rwlock_clockrdlock(&rw[6], CLOCK_MONOTONIC, &t) == 0) pthread_rwlock_unlock(&rw[6]);
    t = soon(CLOCK_MONOTONIC, 100);
    if (pthread_rwlock_clockwrlock(&rw[7], CLOCK_MONOTONIC, &t) == 0) pthread_rwlock_unlock(&rw[7]);
    pthread_rwlock_unlock(&rw_outer);
    pthread_rwlock_destroy(&rw[0]); /* retired (reason 1) */
}

static void spins(void)
{
    static pthread_spinlock_t s_outer, s_lock, s_try;
    name("s_outer", &s_outer), name("s_lock", &s_lock), name("s_try", &s_try);
    pthread_spin_init(&s_outer, 0), pthread_spin_init(&s_lock, 0), pthread_spin_init(&s_try, 0);
    pthread_spin_lock(&s_outer);
    pthread_spin_lock(&s_lock);                   /* spin -> spin */
    pthread_spin_unlock(&s_lock);
    if (pthread_spin_trylock(&s_try) == 0)        /* spin -> spin (try) */
        pthread_spin_unlock(&s_try);
    pthread_spin_unlock(&s_outer);
    pthread_spin_destroy(&s_lock);                /* retired (reason 1) */
}

/* <lockgraph/annotate.h>: the annotation entry points (lockgraph_annotate_*), on
 * plain words that stand for a program's own locks. */
static void annotated(void)
{
    static int a_outer, a_lock, a_try, a_read, a_timed, a_rec, a_gone;
    name("a_outer", &a_outer), name("a_lock", &a_lock), name("a_try", &a_try);
    name("a_read", &a_read), name("a_timed", &a_timed), name("a_rec", &a_rec);
    name("a_gone", &a_gone);
    lockgraph_create(&a_rec, LOCKGRAPH_WRITE_REENTRANT);          /* create */
    lockgraph_before_lock(&a_outer, 0);
    lockgraph_after_lock(&a_outer, 0, 1);
    lockgraph_before_lock(&a_lock, 0);                           /* before_lock */
    lockgraph_after_lock(&a_lock, 0, 1);                         /* after_lock */
    lockgraph_before_unlock(&a_lock, 0);                         /* before_unlock */
    lockgraph_after_unlock(&a_lock, 0);                          /* after_unlock */
    lockgraph_before_lock(&a_try, LOCKGRAPH_TRY);                /* a -> a (try) */
    lockgraph_after_lock(&a_try, LOCKGRAPH_TRY, 1);
    lockgraph_before_unlock(&a_try, 0);
    lockgraph_before_lock(&a_read, LOCKGRAPH_READ);              /* a -> read */
    lockgraph_after_lock(&a_read, LOCKGRAPH_READ, 1);
    lockgraph_before_unlock(&a_read, LOCKGRAPH_READ);
    lockgraph_before_lock(&a_timed, LOCKGRAPH_TIMED);            /* a -> a (timed) */
    lockgraph_after_lock(&a_timed, LOCKGRAPH_TIMED, 1);
    lockgraph_before_unlock(&a_timed, 0);
    /* the recursive lock taken twice: one level released by RECURSIVE_UNLOCK
     * counts 2, re-acquired by RECURSIVE_LOCK, released plainly */
    lockgraph_before_lock(&a_rec, 0);
    lockgraph_after_lock(&a_rec, 0, 1);
    lockgraph_before_lock(&a_rec, 0);
    lockgraph_after_lock(&a_rec, 0, 1);
    int levels = lockgraph_before_unlock(&a_rec, LOCKGRAPH_RECURSIVE_UNLOCK);
    lockgraph_after_lock(&a_rec, LOCKGRAPH_RECURSIVE_LOCK, levels);
    int one = lockgraph_before_unlock(&a_rec, 0);
    int other = lockgraph_before_unlock(&a_rec, 0);
    printf("annotated recursive levels=%d then %d %d\n", levels, one, other);
    lockgraph_before_unlock(&a_outer, 0);
    lockgraph_before_lock(&a_gone, 0);
    lockgraph_after_lock(&a_gone, 0, 1);
    lockgraph_before_unlock(&a_gone, 0);
    lockgraph_destroy(&a_gone, 0);                               /* destroy */
}

/* A wait re-acquires its mutex while `hold` is held: the edge hold -> mutex exists
 * only if the wait's hook modelled the re-acquire. */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void condvars(void)
{
    static pthread_mutex_t t_m = PTHREAD_MUTEX_INITIALIZER, t_h = PTHREAD_MUTEX_INITIALIZER,
                           c_m = PTHREAD_MUTEX_INITIALIZER, c_h = PTHREAD_MUTEX_INITIALIZER;
    name("t_m", &t_m), name("t_h", &t_h), name("c_m", &c_m), name("c_h", &c_h);
    struct timespec t;
    /* timed waits that time out; pthread_cond_wait has its waker in condwait() */
    pthread_mutex_lock(&t_m), pthread_mutex_lock(&t_h);
    t = soon(CLOCK_REALTIME, 20);
    pthread_cond_timedwait(&cv, &t_m, &t);
    pthread_mutex_unlock(&t_h), pthread_mutex_unlock(&t_m);
    pthread_mutex_lock(&c_m), pthread_mutex_lock(&c_h);
    t = soon(CLOCK_MONOTONIC, 20);
    pthread_cond_clockwait(&cv, &c_m, CLOCK_MONOTONIC, &t);
    pthread_mutex_unlock(&c_h), pthread_mutex_unlock(&c_m);
}

static pthread_mutex_t wake_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static int woken;

static void *waker(void *arg)
{
    (void)arg;
    usleep(20000);
    pthread_mutex_lock(&wake_m);
    woken = 1;
    pthread_cond_broadcast(&wake_cv);
    pthread_mutex_unlock(&wake_m);
    return NULL;
}

static void condwait(void)
{
    static pthread_mutex_t w_h = PTHREAD_MUTEX_INITIALIZER;
    name("wake_m", &wake_m), name("wake_h", &w_h);
    pthread_t t;
    pthread_mutex_lock(&wake_m);
    pthread_mutex_lock(&w_h);
    pthread_create(&t, NULL, waker, NULL);
    while (!woken)
        pthread_cond_wait(&wake_cv, &wake_m);
    pthread_mutex_unlock(&w_h);
    pthread_mutex_unlock(&wake_m);
    pthread_join(t, NULL);
}

static void c11(void)
{
    static mtx_t x_outer, x_lock, x_try, x_timed, x_tw, x_h2;
    static cnd_t c;
    name("x_outer", &x_outer), name("x_lock", &x_lock), name("x_try", &x_try);
    name("x_timed", &x_timed), name("x_tw", &x_tw), name("x_h2", &x_h2);
    mtx_init(&x_outer, mtx_plain), mtx_init(&x_lock, mtx_plain), mtx_init(&x_try, mtx_plain);
    mtx_init(&x_timed, mtx_timed), mtx_init(&x_tw, mtx_plain), mtx_init(&x_h2, mtx_plain);
    cnd_init(&c);
    mtx_lock(&x_outer);
    mtx_lock(&x_lock), mtx_unlock(&x_lock);                       /* mtx -> mtx */
    if (mtx_trylock(&x_try) == thrd_success) mtx_unlock(&x_try);  /* try */
    struct timespec t = soon(CLOCK_REALTIME, 100);
    if (mtx_timedlock(&x_timed, &t) == thrd_success) mtx_unlock(&x_timed); /* timed */
    mtx_unlock(&x_outer);
    mtx_lock(&x_tw), mtx_lock(&x_h2);
    t = soon(CLOCK_REALTIME, 20);
    cnd_timedwait(&c, &x_tw, &t);                                 /* x_h2 -> x_tw */
    mtx_unlock(&x_h2), mtx_unlock(&x_tw);
    mtx_destroy(&x_lock);                                         /* retired (reason 1) */
}

/* cnd_wait re-acquires x_wm while x_wh is held: the edge x_wh -> x_wm. */
static mtx_t x_wm;
static cnd_t x_wcv;
static int x_woken;

static void *c11_waker(void *arg)
{
    (void)arg;
    usleep(20000);
    mtx_lock(&x_wm);
    x_woken = 1;
    cnd_broadcast(&x_wcv);
    mtx_unlock(&x_wm);
    return NULL;
}

static void c11_wait(void)
{
    static mtx_t x_wh;
    name("x_wm", &x_wm), name("x_wh", &x_wh);
    mtx_init(&x_wm, mtx_plain), mtx_init(&x_wh, mtx_plain);
    cnd_init(&x_wcv);
    pthread_t t;
    mtx_lock(&x_wm);
    mtx_lock(&x_wh);
    pthread_create(&t, NULL, c11_waker, NULL);
    while (!x_woken)
        cnd_wait(&x_wcv, &x_wm);                                  /* x_wh -> x_wm */
    mtx_unlock(&x_wh);
    mtx_unlock(&x_wm);
    pthread_join(t, NULL);
}

static void files(void)
{
    static pthread_mutex_t f_outer = PTHREAD_MUTEX_INITIALIZER;
    name("f_outer", &f_outer), name("stdout", stdout), name("stderr", stderr);
    pthread_mutex_lock(&f_outer);
    flockfile(stdout);                     /* f_outer -> stdout */
    funlockfile(stdout);
    if (ftrylockfile(stderr) == 0)         /* f_outer -> stderr (try) */
        funlockfile(stderr);
    pthread_mutex_unlock(&f_outer);
}

static void memory(void)
{
    pthread_mutex_t *heap = malloc(sizeof *heap);
    pthread_mutex_t *mapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    name("heap", heap), name("mapped", mapped);
    *heap = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    *mapped = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(heap), pthread_mutex_unlock(heap);
    pthread_mutex_lock(mapped), pthread_mutex_unlock(mapped);
    free(heap);              /* retired (reason 3) */
    munmap(mapped, 4096);    /* retired (reason 3) */

    /* realloc retires the locks of the old block, moved or not (reason 3).  The block
     * is of a size no other lock here uses, so no other lock shares its address, and
     * the new block is never freed: free would retire a lock at an unmoved address. */
    pthread_mutex_t *grown = malloc(4096);
    name("r_heap", grown);
    *grown = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(grown), pthread_mutex_unlock(grown);
    grown = realloc(grown, 1 << 20);
    printf("realloc %s\n", grown ? "ok" : "failed");
}

/* The exec entry points, in the order the chain of images uses them. */
static const char *const exec_chain[] = {"execve", "execvp", "execvpe", "fexecve",
                                         "execl", "execlp", "execle"};
enum { CHAIN = sizeof exec_chain / sizeof *exec_chain };

/* Starts image n + 1 of this program with exec_chain[n]; returns only on failure. */
static void exec_next(int n)
{
    extern char **environ;
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return;
    self[len] = 0;
    char step[16];
    snprintf(step, sizeof step, "%d", n + 1);
    char *argv[] = {self, "--image", step, NULL};
    fflush(stdout);
    switch (n) {
    case 0: execve(self, argv, environ); break;
    case 1: execvp(self, argv); break;
    case 2: execvpe(self, argv, environ); break;
    case 3: {
        int fd = open(self, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
            fexecve(fd, argv, environ);
        break;
    }
    case 4: execl(self, self, "--image", step, (char *)NULL); break;
    case 5: execlp(self, self, "--image", step, (char *)NULL); break;
    case 6: execle(self, self, "--image", step, (char *)NULL, environ); break;
    }
    fprintf(stderr, "verify_wrap: %s: %s\n", exec_chain[n], strerror(errno));
}

/* Image n of the chain: image 0 is the one that called every lock hook. */
static int image(int n)
{
    printf("image %d pid %d\n", n, (int)getpid());
    if (n < CHAIN) {
        exec_next(n);
        return 1;
    }
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        _Exit(0);
    int st = 1;
    if (c > 0)
        waitpid(c, &st, 0);
    printf("child %d\n", (int)c);
    fflush(stdout);
    _exit(c > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--image") == 0)
        return image(atoi(argv[2]));
    mutexes();
    consistent();
    rwlocks();
    spins();
    annotated();
    condvars();
    condwait();
    c11();
    c11_wait();
    files();
    memory();
    glib_hooks();
    omp_hooks();
    return image(0);
}
