/* hammer: many threads hitting one breakpoint. `hammer [threads] [n]` (default 32 threads, 10000 calls each)
 * prints "pid <pid>", then every thread, once all are started (a barrier), calls hit(thread) n times; hit adds
 * one to the thread's own counter. main joins them and prints "total=<sum of the counters>", and returns 0 when the
 * sum is threads * n. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 64

static long counters[MAX_THREADS];
static long n = 10000;
static pthread_barrier_t barrier;

__attribute__((noinline)) void hit(int thread)
{
    counters[thread]++;
}

static void *run(void *arg)
{
    int thread = (int)(long)arg;
    pthread_barrier_wait(&barrier);
    for (long i = 0; i < n; i++)
        hit(thread);
    return NULL;
}

int main(int argc, char **argv)
{
    long threads = argc > 1 ? atol(argv[1]) : 32;
    if (argc > 2)
        n = atol(argv[2]);
    if (threads < 1 || threads > MAX_THREADS)
        threads = 32;
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    pthread_t t[MAX_THREADS];
    pthread_barrier_init(&barrier, NULL, (unsigned)threads);
    for (long i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, run, (void *)i);
    long total = 0;
    for (long i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += counters[i];
    }
    printf("total=%ld\n", total);
    return total == threads * n ? 0 : 1;
}
