/* hot: a hot path for conditional breakpoints. It prints "pid <pid>" and "ready", then <threads> threads
 * (argv[1], default 1: main alone) each call hit(id, i) for i = 0 .. n-1 (n = argv[2], default 100000), all at
 * once (they wait on a barrier first). hit's first instruction is a locked rip-relative add to the global `calls`
 * (built with -O1 and no CET, so no push rbp or endbr64 comes before it): a breakpoint there runs it out of line,
 * relocated. At the end it prints "calls=<all calls> thousands=<calls with i % 1000 == 0>" and returns 0.
 * rdb-build: -O1 -fno-inline -fomit-frame-pointer -fcf-protection=none */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

volatile long calls;
volatile long thousands;
static long n = 100000;
static pthread_barrier_t barrier;

void hit(long id, long i)
{
    __sync_fetch_and_add(&calls, 1);
    if (i % 1000 == 0)
        __sync_fetch_and_add(&thousands, 1 + id - id);
}

static void *run(void *arg)
{
    long id = (long)arg;
    pthread_barrier_wait(&barrier);
    for (long i = 0; i < n; i++)
        hit(id, i);
    return NULL;
}

int main(int argc, char **argv)
{
    long threads = argc > 1 ? atol(argv[1]) : 1;
    if (argc > 2)
        n = atol(argv[2]);
    if (threads < 1 || threads > 64)
        threads = 1;
    printf("pid %d\nready\n", (int)getpid());
    fflush(stdout);
    pthread_t t[64];
    pthread_barrier_init(&barrier, NULL, (unsigned)threads);
    for (long i = 1; i < threads; i++)
        pthread_create(&t[i], NULL, run, (void *)i);
    run((void *)0);
    for (long i = 1; i < threads; i++)
        pthread_join(t[i], NULL);
    printf("calls=%ld thousands=%ld\n", calls, thousands);
    return 0;
}
