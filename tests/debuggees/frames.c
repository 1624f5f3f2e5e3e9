/* frames: `watched()` takes the address of its local `slot` (printed as "slot <hex>") and writes it; after it
 * returns, `reuse()` runs in the same stack space and writes its own local at the same depth, five times. For the
 * watchpoint that outlives its frame. Prints "done" and exits 0.
 * rdb-build: -g -O0 */
#include <stdio.h>

__attribute__((noinline)) void watched(void)
{
    volatile int slot = 1;
    printf("slot %p\n", (void *)&slot);
    fflush(stdout);
    slot = 2; /* @watched-write */
}

__attribute__((noinline)) void reuse(int n)
{
    volatile int other = 0;
    for (int i = 0; i < n; i++)
        other = 100 + i; /* @reuse-write */
}

int main(void)
{
    watched();
    reuse(5);
    printf("done\n");
    return 0;
}
