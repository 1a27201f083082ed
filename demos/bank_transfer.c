/* bank_transfer: the classic lock-order inversion (ABBA).
 *
 * transfer(from, to) locks the source account, then the destination account.
 * One thread moves money from Alice to Bob, another from Bob to Alice, so the two
 * threads take the same two locks in opposite orders.  If both ran at the same
 * moment, each could hold its first lock and wait forever for the other's.
 *
 * This program never hangs: the second transfer starts only after the first has
 * finished (pthread_join).  lockgraph still predicts the deadlock, because it
 * remembers the order "alice -> bob" and sees "bob -> alice" later.
 * The fix is in bank_transfer_fixed.c.
 */
#include <pthread.h>
#include <stdio.h>

struct account {
    int id;
    long balance;
    pthread_mutex_t lock;
};

static struct account alice = {1, 100, PTHREAD_MUTEX_INITIALIZER};
static struct account bob = {2, 50, PTHREAD_MUTEX_INITIALIZER};

struct transfer_job {
    struct account *from, *to;
    long amount;
};

/* BUG: the lock order depends on the direction of the transfer. */
static void transfer(struct account *from, struct account *to, long amount)
{
    pthread_mutex_lock(&from->lock);
    pthread_mutex_lock(&to->lock);
    from->balance -= amount;
    to->balance += amount;
    pthread_mutex_unlock(&to->lock);
    pthread_mutex_unlock(&from->lock);
}

static void *transfer_thread(void *arg)
{
    struct transfer_job *job = arg;
    transfer(job->from, job->to, job->amount);
    return NULL;
}

int main(void)
{
    struct transfer_job jobs[2] = {{&alice, &bob, 30}, {&bob, &alice, 10}};

    /* One thread per transfer, one after the other: nothing can hang here. */
    for (int i = 0; i < 2; i++) {
        pthread_t t;
        pthread_create(&t, NULL, transfer_thread, &jobs[i]);
        pthread_join(t, NULL);
    }
    printf("alice=%ld bob=%ld\n", alice.balance, bob.balance);
    return 0;
}
