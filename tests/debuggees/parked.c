/* parked: a thread parked one byte past a one-byte instruction, having hit nothing. main starts a thread that sets
 * `parked` and calls park(), whose first instruction is a one-byte `nop` and whose second, `jmp .`, spins until the
 * process ends. main waits for `parked`, gives the thread 200 ms to run the nop, then calls first() and second()
 * (places for breakpoints), waits 200 ms more (time for the thread to run into a breakpoint it were put back on),
 * prints "parked" and returns 0. A breakpoint on park set after first() is never hit: the thread stands one past
 * it, just where a thread that has executed an int3 there stands.
 * rdb-build: -fno-inline */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

volatile int parked;

__attribute__((naked, noinline)) void park(void)
{
    __asm__ volatile("nop\n1:\n\tjmp 1b");
}

static void *run(void *unused)
{
    (void)unused;
    parked = 1;
    park();
    return NULL;
}

__attribute__((noinline)) void first(void)
{
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void second(void)
{
    __asm__ volatile("" ::: "memory");
}

int main(void)
{
    pthread_t thread;
    pthread_create(&thread, NULL, run, NULL);
    while (!parked)
        usleep(1000);
    usleep(200000);
    first();
    second();
    usleep(200000);
    printf("parked\n");
    fflush(stdout);
    return 0;
}
