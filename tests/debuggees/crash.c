/* crash: writes through a null pointer in crash_here(); no handler, so the process dies of SIGSEGV. */
#include <stdio.h>

int *volatile target; /* null; volatile so the compiler keeps the store */

void crash_here(int *p)
{
    *p = 42; /* @crash */
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    puts("about to crash");
    crash_here(target);
    puts("not reached");
    return 0;
}
