/* opt: gcc -O2 code, whose line table has several rows per line and rows that are no statements: a breakpoint
 * set on a line must report that line when it is hit, in the stop and in `k`.
 * rdb-build: -O2 -fno-inline */
#include <stdio.h>
#include <stdlib.h>

int table[64];

__attribute__((noinline)) int checksum(const int *values, int n)
{
    int sum = 0;
    for (int i = 0; i < n; i++) { /* @for */
        int v = values[i]; /* @load */
        if (v & 1) /* @odd */
            sum += v * 3; /* @odd-add */
        else
            sum ^= v; /* @even */
    }
    return sum; /* @ret */
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 16; /* @n */
    for (int i = 0; i < n && i < 64; i++)
        table[i] = i * 7 + 1; /* @fill */
    int s = checksum(table, n); /* @call */
    printf("%d\n", s); /* @print */
    return 0;
}
