/* forkloop: like loop (prints "pid <pid>" and "ready", then spins in spin_once(), counting in `spins`), but forks
 * once, as soon as the file named by argv[1] exists: the child prints "child <pid>" and both spin on, each in its
 * own copy of `spins`. For following a child of an attached process, and for leaving both clean.
 * Safety net for leaked test processes: both exit on their own after 120 s. */
#include <stdio.h>
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
#ifdef PR_SET_PTRACER
    /* Let any process attach, even under Yama ptrace_scope=1 (the test's rdb is not our ancestor). */
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
    printf("pid %d\n", (int)getpid());
    printf("ready\n");
    fflush(stdout);
    time_t start = time(NULL);
    int forked = 0;
    for (;;) {
        spin_once();
        if (!forked && argc > 1 && access(argv[1], F_OK) == 0) {
            forked = 1;
            if (fork() == 0) {
                printf("child %d\n", (int)getpid());
                fflush(stdout);
            }
        }
        if (time(NULL) - start > 120)
            return 0;
    }
}
