/* inlined: calls the compiler inlines (-O2, always_inline), for frames of inlined calls with their own
 * variables: main calls compute(argc + 4) (not inlined), into which twice(x + 1) is inlined, into which
 * square_plus(a, 3) is inlined; then direct(argc), into which square_plus(y, 1) is inlined too (so its lines have
 * two places in the code). The volatile sink keeps each step's value in the code.
 * Tests find lines by the "@name" markers.
 * rdb-build: -O2 */
#include <stdio.h>

volatile int sink;

static inline __attribute__((always_inline)) int square_plus(int v, int k)
{
    int sq = v * v;
    sink = sq; /* @inner */
    return sq + k;
}

static inline __attribute__((always_inline)) int twice(int a)
{
    int t = square_plus(a, 3); /* @twice */
    sink = t;
    return t * 2;
}

__attribute__((noinline)) int compute(int x)
{
    int r = twice(x + 1); /* @compute */
    return r - x;
}

__attribute__((noinline)) int direct(int y)
{
    return square_plus(y, 1);
}

int main(int argc, char **argv)
{
    (void)argv;
    int v = compute(argc + 4) + direct(argc);
    printf("%d\n", v);
    return v & 0x7f;
}
