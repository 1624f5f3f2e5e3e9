/* dumpee: a process for a dump to be written of, still and in known functions. main starts a thread that waits
 * in waiter(), then calls outer(), which calls inner(), which prints "pid <n>" and "ready", then "waiter <tid>"
 * (the other thread's id, decimal) and "pattern <address>" (the global `pattern`, bytes i * 7 + 3), and waits in
 * pause() until it is killed. Its main thread sets MXCSR's flush-to-zero bit first (0x9f80, not the default 0x1f80). Safety net for a leaked process: alarm(60) ends it.
 * rdb-build: -fno-inline */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xmmintrin.h>

unsigned char pattern[64];
static volatile pid_t waiter_tid;

static void *waiter(void *arg)
{
    (void)arg;
    waiter_tid = (pid_t)syscall(SYS_gettid);
    for (;;)
        pause();
    return NULL;
}

void inner(int depth)
{
    volatile int local = depth * 10;
    printf("pid %d\nready\nwaiter %d\npattern %p\n", (int)getpid(), (int)waiter_tid, (void *)pattern);
    fflush(stdout);
    for (;;)
        pause(); /* @paused */
    (void)local;
}

void outer(void)
{
    inner(2);
}

int main(void)
{
    alarm(60);
    _mm_setcsr(_mm_getcsr() | 0x8000);
    for (int i = 0; i < (int)sizeof pattern; i++)
        pattern[i] = (unsigned char)(i * 7 + 3);
    pthread_t thread;
    pthread_create(&thread, NULL, waiter, NULL);
    while (!waiter_tid)
        usleep(1000);
    outer();
    return 0;
}
