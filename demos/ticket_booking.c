/* ticket_booking: a lock held too long, with other threads queued behind it.
 *
 * All bookings go through one global lock protecting the seat map.  The paying
 * customer's thread keeps that lock while it "calls the payment service" (a 1.5 s
 * sleep standing for a slow network call).  Four other customers who only want to
 * book a seat queue up behind it for the whole call.
 *
 * Nothing deadlocks, but lockgraph (with --hold-threshold-ms 500, or the default
 * 1000) reports a long-hold finding naming book_and_pay(), and the report's
 * contention table shows the seat lock as the one threads waited for.
 * The fix is in ticket_booking_fixed.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define NSEATS 10
#define NCUSTOMERS 4

static pthread_mutex_t seats_lock = PTHREAD_MUTEX_INITIALIZER; /* protects seats[] */
static int seats[NSEATS];            /* 0 = free, otherwise the customer number */
static atomic_int payer_holds_lock;  /* lets main start the others at the right time */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Stands for a slow remote call. */
static void call_payment_service(int customer)
{
    (void)customer;
    sleep_ms(1500);
}

static int reserve_free_seat(int customer)
{
    for (int i = 0; i < NSEATS; i++)
        if (seats[i] == 0) {
            seats[i] = customer;
            return i;
        }
    return -1;
}

/* BUG: the slow payment call happens with seats_lock held. */
static void *book_and_pay(void *arg)
{
    int customer = (int)(long)arg;
    pthread_mutex_lock(&seats_lock);
    atomic_store(&payer_holds_lock, 1);
    int seat = reserve_free_seat(customer);
    call_payment_service(customer);
    pthread_mutex_unlock(&seats_lock);
    printf("customer %d paid for seat %d\n", customer, seat);
    return NULL;
}

static void *book_seat(void *arg)
{
    int customer = (int)(long)arg;
    pthread_mutex_lock(&seats_lock); /* waits for the whole payment call */
    int seat = reserve_free_seat(customer);
    pthread_mutex_unlock(&seats_lock);
    (void)seat;
    return NULL;
}

int main(void)
{
    pthread_t payer, others[NCUSTOMERS];

    pthread_create(&payer, NULL, book_and_pay, (void *)1L);
    while (!atomic_load(&payer_holds_lock))
        sleep_ms(1);
    for (int i = 0; i < NCUSTOMERS; i++)
        pthread_create(&others[i], NULL, book_seat, (void *)(long)(i + 2));

    pthread_join(payer, NULL);
    for (int i = 0; i < NCUSTOMERS; i++)
        pthread_join(others[i], NULL);

    int booked = 0;
    for (int i = 0; i < NSEATS; i++)
        booked += seats[i] != 0;
    printf("%d seats booked\n", booked);
    return 0;
}
