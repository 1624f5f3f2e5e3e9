/* dumpee: a process for a dump to be written of, still and in known functions. main starts a thread that waits
 * in waiter(), then calls outer(), which calls inner(), which prints "pid <n>" and "ready", then "waiter <tid>"
 * (the other thread's id, decimal) and "pattern <address>" (the global `pattern`, bytes i * 7 + 3), and waits in
 * pause() until it is killed. Its main thread sets MXCSR's flush-to-zero bit first (0x9f80, not the default 0x1f80).
 *   dumpee crash <file>   inner() writes through a null pointer instead; the SIGSEGV handler writes what a crash
 *                         reporter hands minidump-writer to <file> (the handler's ucontext_t, the FXSAVE area its
 *                         fpregs points at, then the signal number, si_code and si_addr as 64-bit words), prints
 *                         "crashed" and waits in pause() inside the handler until it is killed.
 * Safety net for a leaked process: alarm(60) ends it.
 * rdb-build: -fno-inline */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <xmmintrin.h>

unsigned char pattern[64];
static volatile pid_t waiter_tid;
static const char *crash_file;

static void *waiter(void *arg)
{
    (void)arg;
    waiter_tid = (pid_t)syscall(SYS_gettid);
    for (;;)
        pause();
    return NULL;
}

static void on_segv(int signo, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    FILE *f = fopen(crash_file, "wb");
    if (f) {
        uint64_t words[3] = { (uint64_t)signo, (uint64_t)(int64_t)info->si_code, (uint64_t)info->si_addr };
        fwrite(uc, sizeof *uc, 1, f);
        fwrite(uc->uc_mcontext.fpregs, 512, 1, f);
        fwrite(words, sizeof words, 1, f);
        fclose(f);
    }
    printf("crashed\n");
    fflush(stdout);
    for (;;)
        pause();
}

void inner(int depth)
{
    volatile int local = depth * 10;
    printf("pid %d\nready\nwaiter %d\npattern %p\n", (int)getpid(), (int)waiter_tid, (void *)pattern);
    fflush(stdout);
    if (crash_file) {
        volatile int *target = NULL;
        *target = local; /* @crash */
    }
    for (;;)
        pause(); /* @paused */
}

void outer(void)
{
    inner(2);
}

int main(int argc, char **argv)
{
    alarm(60);
    _mm_setcsr(_mm_getcsr() | 0x8000);
    if (argc > 2 && strcmp(argv[1], "crash") == 0) {
        crash_file = argv[2];
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
    }
    for (int i = 0; i < (int)sizeof pattern; i++)
        pattern[i] = (unsigned char)(i * 7 + 3);
    pthread_t thread;
    pthread_create(&thread, NULL, waiter, NULL);
    while (!waiter_tid)
        usleep(1000);
    outer();
    return 0;
}
