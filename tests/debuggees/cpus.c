/* cpus: prints "cpus=<n>", the number of CPUs in its own affinity mask, as main begins and as it ends (so a
 * debugger that pins a thread while it steps it can be caught not giving the mask back), and exits 0. Linux. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

static int cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    return CPU_COUNT(&set);
}

int main(void)
{
    printf("cpus=%d\n", cpus());
    printf("cpus=%d\n", cpus());
    return 0;
}
