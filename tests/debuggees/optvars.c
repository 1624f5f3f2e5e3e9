/* optvars: optimised code (-O2) for the value model: parameters and locals that live in registers, move between
 * them and die, location lists, and values a caller keeps in callee-saved registers across a call.
 * mix(a, b, n) sums consume(a * i + b) for i = 0 .. n-1; main passes argc + 2, 7 and 5. scale(x, f) has
 * floating-point parameters and a local, in XMM registers; main passes the sum (70) and 1.5.
 * Tests find lines by the "@name" markers.
 * rdb-build: -O2 -fno-inline */
#include <stdio.h>

volatile double sink_double;

__attribute__((noinline)) int consume(int v)
{
    __asm__ volatile("" : : "r"(v) : "memory");
    return v + 1; /* @consume */
}

__attribute__((noinline)) long mix(long a, long b, int n)
{
    long sum = 0;
    for (int i = 0; i < n; i++) {
        long t = a * i + b;
        sum += consume((int)t); /* @call */
    }
    return sum; /* @ret */
}

__attribute__((noinline)) double scale(double x, float f)
{
    double y = x * f;
    sink_double = y; /* @scale */
    return y + 0.25;
}

int main(int argc, char **argv)
{
    (void)argv;
    long r = mix(argc + 2, 7, 5);
    double s = scale((double)r, 1.5f);
    printf("%ld %g\n", r, s);
    return (int)(r & 0x7f);
}
