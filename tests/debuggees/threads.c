/* threads: four pthreads. Each waits on a barrier with main (so all four exist, and main is done creating them,
 * before any enters worker), then worker(id) calls work_item() three times. main joins them, prints "total=30"
 * and returns 0. At a breakpoint in worker or work_item there are always 5 threads, and main is past its last
 * pthread_create (in pthread_barrier_wait or pthread_join). */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4
#define ITEMS 3

static pthread_barrier_t barrier;
volatile int total;

void work_item(int id, int n)
{
    __sync_fetch_and_add(&total, id + n);
}

void worker(int id)
{
    for (int n = 0; n < ITEMS; n++)
        work_item(id, n);
}

static void *thread_main(void *arg)
{
    pthread_barrier_wait(&barrier);
    worker((int)(long)arg);
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
    for (long i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, thread_main, (void *)i);
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    printf("total=%d\n", total);
    return 0;
}
