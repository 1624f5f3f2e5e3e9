/* static: a statically linked program (no dynamic loader, no r_debug): the initial breakpoint is still its entry
 * point, and breakpoints in its own copy of libc work.
 * rdb-build: -static */
#include <stdio.h>

int twice(int x) { return 2 * x; } /* @twice */

int main(void)
{
    printf("static says %d\n", twice(21));
    return 5;
}
