/* guarded: memory breakpoints (bpm). `cells` fills the start of a page-aligned page. poke_beside() reads and writes
 * cells[8] (outside cells[0]) and runs three times; then set_cell(7) writes cells[0], get_cell() reads it into
 * `seen`, and main prints "cells=7,3 seen=7" and returns 0. With the argument "loop" it does all that over and over,
 * counting rounds in `spins` and sleeping 1 ms each (for attach and detach; it exits on its own after 120 s).
 * rdb-build: -fno-inline */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

__attribute__((aligned(4096))) volatile int cells[16];
volatile int seen;
volatile unsigned long spins;

void poke_beside(void)
{
    cells[8] = cells[8] + 1;
}

void set_cell(int value)
{
    cells[0] = value;
}

int get_cell(void)
{
    return cells[0];
}

static void round_once(void)
{
    for (int i = 0; i < 3; i++)
        poke_beside();
    set_cell(7);
    seen = get_cell();
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "loop") == 0) {
#ifdef PR_SET_PTRACER
        /* Let any process attach, even under Yama ptrace_scope=1 (the test's rdb is not our ancestor). */
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
        printf("pid %d\nready\n", (int)getpid());
        fflush(stdout);
        time_t start = time(NULL);
        struct timespec nap = {0, 1000000};
        while (time(NULL) - start <= 120) {
            cells[8] = 0;
            round_once();
            spins++;
            nanosleep(&nap, NULL);
        }
        return 0;
    }
    round_once();
    printf("cells=%d,%d seen=%d\n", cells[0], cells[8], seen);
    return 0;
}
