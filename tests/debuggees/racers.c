/* racers: four threads store to one variable at once. After a barrier with the others, thread t (0-3) stores
 * (t << 8) | n into `shared` for n = 1..25, each a plain 8-byte store of a value no other store writes; main joins
 * them, prints "racers done" and returns 0. A write breakpoint on shared sees each store, from whichever thread,
 * while the others keep storing. */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4
#define ROUNDS 25

volatile long long shared;
static pthread_barrier_t barrier;

static void *racer(void *arg)
{
    long long id = (long long)(long)arg;
    pthread_barrier_wait(&barrier);
    for (long long n = 1; n <= ROUNDS; n++)
        shared = (id << 8) | n; /* @store */
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (long i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, racer, (void *)i);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    printf("racers done\n");
    return 0;
}
