/* The bench's loop of calls: main calls f(i) for i = 0 .. n-1, n from argv[1]. A breakpoint on f is hit n times
 * with i in the first argument register (rdi on Linux, rcx on Windows), so a condition on it is cheap to state,
 * and a pass count of n stops at the last call with n - 1 there. At its end it prints how many calls f counted, so
 * the bench can tell a run that did all its work from one cut short. ISO C: built for Linux with gcc and for
 * Windows with mingw-w64. */
#include <stdio.h>
#include <stdlib.h>

volatile unsigned long long sink;
volatile unsigned long long calls;

/* noinline and a side effect: the call and its argument survive any optimisation level. */
__attribute__((noinline)) void f(unsigned long long i) {
    sink += i;
    calls++;
}

int main(int argc, char **argv) {
    unsigned long long n = argc > 1 ? strtoull(argv[1], 0, 10) : 1000;
    for (unsigned long long i = 0; i < n; i++) {
        f(i);
    }
    printf("f called %llu times\n", calls);
    return 0;
}
