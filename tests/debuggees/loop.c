/* loop: prints "pid <decimal pid>" and "ready", then spins forever calling spin_once() (which counts in the
 * global `spins` and sleeps 1 ms). Used for attach, break-in and detach.
 * Safety net for leaked test processes: it exits on its own after 120 s (or argv[1] seconds). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long spins;

void spin_once(void)
{
    struct timespec ts = {0, 1000000};
    spins++;
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    long lifetime = argc > 1 ? atol(argv[1]) : 120;
#ifdef PR_SET_PTRACER
    /* Let any process attach, even under Yama ptrace_scope=1 (the test's rdb is not our ancestor). */
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
    printf("pid %d\n", (int)getpid());
    printf("ready\n");
    fflush(stdout);
    time_t start = time(NULL);
    for (;;) {
        spin_once();
        if (time(NULL) - start > lifetime)
            return 0;
    }
}
