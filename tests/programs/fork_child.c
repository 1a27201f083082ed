/* fork_child: both processes of a fork lock, and only the child has an inversion.
 * The parent takes A -> B before and after fork() (a consistent order).  The child
 * runs child_worker_cd (C then D) and child_worker_dc (D then C) in two threads,
 * one after the other.  The child's log must hold one inversion on {C, D}; the
 * parent's log none.  Prints "parent PID" and "child PID" so the test can tell the
 * two logs apart. */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;

static void parent_a_then_b(void)
{
    pthread_mutex_lock(&lock_a);
    pthread_mutex_lock(&lock_b);
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
}

static void *child_worker_cd(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_c);
    pthread_mutex_lock(&lock_d);
    pthread_mutex_unlock(&lock_d);
    pthread_mutex_unlock(&lock_c);
    return NULL;
}

static void *child_worker_dc(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_d);
    pthread_mutex_lock(&lock_c);
    pthread_mutex_unlock(&lock_c);
    pthread_mutex_unlock(&lock_d);
    return NULL;
}

int main(void)
{
    parent_a_then_b();
    printf("parent %d\n", (int)getpid());
    fflush(stdout); /* or the child would print the buffered line again */

    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 3;
    }
    if (pid == 0) {
        printf("child %d\n", (int)getpid());
        fflush(stdout);
        parent_a_then_b(); /* the child may use the parent's locks too */
        run_in_thread(child_worker_cd, NULL);
        run_in_thread(child_worker_dc, NULL);
        exit(0);
    }
    parent_a_then_b();
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "child failed: status %d\n", status);
        return 3;
    }
    printf("fork done\n");
    return 0;
}
