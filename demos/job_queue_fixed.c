/* job_queue_fixed: the twin of job_queue.c that releases the lock on every way out.
 *
 * The worker that gives up on a job unlocks queue_lock before it leaves, so whoever
 * takes the lock next gets it, and lockgraph reports nothing.
 */
#include <pthread.h>
#include <stdio.h>

#define NJOBS 6
#define QUOTA 3 /* jobs a worker takes before it leaves */

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER; /* protects jobs[], next */
static int jobs[NJOBS] = {1, 2, 3, 4, 5, -1}; /* -1: a job no worker can handle */
static int next;
static long done_sum;

/* The next job, with queue_lock held by the caller on return. */
static int next_job(void)
{
    pthread_mutex_lock(&queue_lock);
    return next < NJOBS ? jobs[next++] : 0;
}

static void *worker(void *arg)
{
    (void)arg;
    for (int taken = 0; taken < QUOTA; taken++) {
        int job = next_job();
        if (job == 0) {
            pthread_mutex_unlock(&queue_lock);
            break;
        }
        if (job < 0) {
            fprintf(stderr, "worker: cannot handle job %d, giving up\n", job);
            pthread_mutex_unlock(&queue_lock); /* the fix: release it before leaving */
            pthread_exit(NULL);
        }
        done_sum += job;
        pthread_mutex_unlock(&queue_lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, NULL);
    pthread_join(t1, NULL);
    pthread_create(&t2, NULL, worker, NULL); /* takes jobs 4, 5 and the bad one */
    pthread_join(t2, NULL);
    printf("job_queue: done, sum %ld\n", done_sum);
    return 0;
}
