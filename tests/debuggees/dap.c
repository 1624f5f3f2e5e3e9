/* dap: the Debug Adapter Protocol scenarios' program. main fills a 10,000-element array and a struct, calls
 * add() in a loop five times (total = 0+1+2+3+4 = 10, so a hit condition and a logpoint have several hits),
 * bumps the global `watched` (a data breakpoint's target), writes a line to stdout and one to stderr, and exits
 * with total (10). With the argument "spin" it loops until `spinning` is cleared (for pause); with "crash" it
 * writes through a null pointer after printing (for exception stops); with "signal" it raises SIGUSR1, which its
 * handler counts (for the signal filter), and exits with total all the same; with "thread" it runs worker() on a
 * thread of its own and joins it (for thread events and per-thread stops); with "env" it prints RDB_DAP_ENV and
 * RDB_DAP_GONE (or "(unset)") and the last part of its directory (for launch's env and cwd). On Windows it also
 * says "dap: a debug string" through OutputDebugStringA (a debug string's output event).
 * rdb-build: -fno-inline
 * Tests find lines by the "@name" markers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#ifndef _WIN32
#include <pthread.h>
#else
#include <windows.h>
#endif

struct point {
    int x;
    int y;
};

int big[10000];
volatile int watched;
volatile int spinning = 1;
volatile int signals;

#ifdef SIGUSR1
static void counted(int signo)
{
    (void)signo;
    signals = signals + 1;
}
#endif

int add(int a, int b)
{
    int sum = a + b; /* @add-body */
    return sum;      /* @add-return */
}

void bump(void)
{
    watched = watched + 1; /* @bump */
}

#ifndef _WIN32
void *worker(void *arg)
{
    bump(); /* @worker */
    return arg;
}
#endif

int main(int argc, char **argv)
{
    struct point origin = { 3, 4 }; /* @main-first */
    const char *label = "dap";
    int total = 0;
    for (int i = 0; i < 10000; i++)
        big[i] = i * 2;
    for (int i = 0; i < 5; i++) {
        total = add(total, i); /* @loop-call */
    }
    bump(); /* @after-loop */
    printf("out: %s %d\n", label, origin.x + origin.y); /* @print */
    fflush(stdout);
    fprintf(stderr, "err: total=%d\n", total);
#ifdef _WIN32
    OutputDebugStringA("dap: a debug string\n");
#endif
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        while (spinning)
            usleep(1000); /* @spin */
        printf("out: spun\n");
        fflush(stdout);
    }
    if (argc > 1 && strcmp(argv[1], "crash") == 0) {
        volatile int *nowhere = 0;
        *nowhere = 1; /* @crash */
    }
#ifndef _WIN32
    if (argc > 1 && strcmp(argv[1], "thread") == 0) {
        pthread_t other;
        pthread_create(&other, NULL, worker, NULL);
        pthread_join(other, NULL);
    }
#endif
#ifdef SIGUSR1
    if (argc > 1 && strcmp(argv[1], "signal") == 0) {
        signal(SIGUSR1, counted);
        raise(SIGUSR1); /* @raise */
    }
#endif
    if (argc > 1 && strcmp(argv[1], "env") == 0) {
        char dir[4096] = "";
        const char *set = getenv("RDB_DAP_ENV");
        const char *gone = getenv("RDB_DAP_GONE");
        const char *last = dir;
        if (getcwd(dir, sizeof dir)) {
            for (const char *c = dir; *c; c++)
                if ((*c == '/' || *c == '\\') && c[1])
                    last = c + 1;
        }
        printf("env: RDB_DAP_ENV=%s RDB_DAP_GONE=%s dir=%s\n", set ? set : "(unset)", gone ? gone : "(unset)", last);
        fflush(stdout);
    }
    return total; /* @return */
}
