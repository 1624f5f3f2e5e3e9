/* whot: calls hot(i) argv[1] times (100 by default), in a tight loop, for breakpoint pass counts and hit counts.
 * hot adds i to the global `total`; main prints "total <n>" (n = 0 + 1 + ... + count-1) and exits 0. */
#include <stdio.h>
#include <stdlib.h>

volatile long long total;

void hot(int i)
{
    total += i; /* @hot */
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int count = argc > 1 ? atoi(argv[1]) : 100;
    for (int i = 0; i < count; i++)
        hot(i);
    printf("total %lld\n", total);
    return 0;
}
