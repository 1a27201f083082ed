/* ticket_booking_fixed: the twin of ticket_booking.c that holds the lock briefly.
 *
 * The paying customer reserves a seat under seats_lock, releases the lock, calls the
 * payment service without any lock held, and takes the lock again only to confirm.
 * The other customers book their seats while the payment is in flight, no lock is
 * held longer than a few microseconds, and lockgraph reports nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define NSEATS 10
#define NCUSTOMERS 4

static pthread_mutex_t seats_lock = PTHREAD_MUTEX_INITIALIZER; /* protects seats[], paid[] */
static int seats[NSEATS];           /* 0 = free, otherwise the customer number */
static int paid[NSEATS];
static atomic_int payer_reserved;

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

/* FIX: reserve under the lock, pay without it, confirm under it. */
static void *book_and_pay(void *arg)
{
    int customer = (int)(long)arg;

    pthread_mutex_lock(&seats_lock);
    int seat = reserve_free_seat(customer);
    pthread_mutex_unlock(&seats_lock);
    atomic_store(&payer_reserved, 1);

    call_payment_service(customer); /* no lock held */

    pthread_mutex_lock(&seats_lock);
    if (seat >= 0)
        paid[seat] = 1;
    pthread_mutex_unlock(&seats_lock);
    printf("customer %d paid for seat %d\n", customer, seat);
    return NULL;
}

static void *book_seat(void *arg)
{
    int customer = (int)(long)arg;
    pthread_mutex_lock(&seats_lock);
    int seat = reserve_free_seat(customer);
    pthread_mutex_unlock(&seats_lock);
    (void)seat;
    return NULL;
}

int main(void)
{
    pthread_t payer, others[NCUSTOMERS];

    pthread_create(&payer, NULL, book_and_pay, (void *)1L);
    while (!atomic_load(&payer_reserved))
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
