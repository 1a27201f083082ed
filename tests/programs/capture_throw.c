/* capture_throw: a C program (no libgcc_s of its own) calling a C++ library that
 * throws (capture_throw_lib.cpp) from two threads; prints how many exceptions were
 * caught.  Under the shim it must finish and print 2000, as it does natively. */
#include <pthread.h>
#include <stdio.h>

int throw_in_lock(int times);

static void *worker(void *arg)
{
    (void)arg;
    return (void *)(long)throw_in_lock(1000);
}

int main(void)
{
    pthread_t t[2];
    long total = 0;
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    printf("caught %ld\n", total);
    return total == 2000 ? 0 : 1;
}
