/* conds: main calls tick(i) for i = 0 .. n-1 (n = argv[1], default 10); tick counts its calls in the global
 * `counter` and adds i to `total`. It prints "total=<sum> counter=<n>" and returns 0. For conditional
 * breakpoints: at tick's entry its argument is in rdi, and counter holds the number of earlier calls.
 * rdb-build: -fno-inline */
#include <stdio.h>
#include <stdlib.h>

volatile long counter;
volatile long total;

void tick(long i)
{
    counter = counter + 1;
    total = total + i;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10;
    for (long i = 0; i < n; i++)
        tick(i);
    printf("total=%ld counter=%ld\n", total, counter);
    return 0;
}
