/* bank_transfer_fixed: the twin of bank_transfer.c without the inversion.
 *
 * transfer() always locks the account with the smaller id first, whatever the
 * direction of the money.  Every thread therefore takes the two locks in the same
 * global order and no cycle can form: lockgraph reports nothing.
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

/* FIX: lock by account id, not by direction. */
static void transfer(struct account *from, struct account *to, long amount)
{
    struct account *first = from->id < to->id ? from : to;
    struct account *second = from->id < to->id ? to : from;

    pthread_mutex_lock(&first->lock);
    pthread_mutex_lock(&second->lock);
    from->balance -= amount;
    to->balance += amount;
    pthread_mutex_unlock(&second->lock);
    pthread_mutex_unlock(&first->lock);
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

    for (int i = 0; i < 2; i++) {
        pthread_t t;
        pthread_create(&t, NULL, transfer_thread, &jobs[i]);
        pthread_join(t, NULL);
    }
    printf("alice=%ld bob=%ld\n", alice.balance, bob.balance);
    return 0;
}
