/* postmortem: a process to take a core of. main starts a second thread that waits for ever (so a core holds two
 * threads), then calls inspect(21, greeting): a parameter, four locals (doubled = 42, total = 82, first = 'h',
 * ratio = 5.25, computed in xmm0, where it still is at the breakpoint) and a global string in .data (so every core
 * records it). Tests stop at the marked return and dump with gdb's gcore. Prints inspect's result (191) and exits 0. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

char greeting[] = "hello from the core";
static pthread_barrier_t barrier;

static void *idle(void *arg)
{
    pthread_barrier_wait(&barrier);
    for (;;)
        pause();
    return arg;
}

int inspect(int depth, const char *label)
{
    int doubled = depth * 2;
    long total = doubled + 40;
    char first = label[0];
    double ratio = depth / 4.0;
    return (int)total + first + (int)ratio; /* @inspect */
}

int main(void)
{
    pthread_t t;
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&t, NULL, idle, NULL);
    pthread_barrier_wait(&barrier);
    printf("%d\n", inspect(21, greeting));
    return 0;
}
