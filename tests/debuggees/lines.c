/* lines: source-mode stepping (t, p, gu by line), ls/lsa, and lines reported at stops. main calls leaf, the
 * recursive fact, and sum_to (a for loop calling leaf), then printf (through the PLT: no line information).
 * Tests find lines by the "@name" markers. */
#include <stdio.h>

int leaf(int x)
{ /* @leaf-open */
    return x * 2; /* @leaf-body */
} /* @leaf-end */

int fact(int n)
{ /* @fact-open */
    if (n <= 1) /* @fact-test */
        return 1; /* @fact-one */
    return n * fact(n - 1); /* @fact-rec */
} /* @fact-end */

int sum_to(int n)
{ /* @sum-open */
    int total = 0; /* @sum-first */
    for (int i = 0; i < n; i++) /* @for */
        total += leaf(i); /* @loop-body */
    return total; /* @sum-ret */
} /* @sum-end */

int main(void)
{ /* @main-open */
    int a = leaf(3); /* @main-first */
    int b = fact(3); /* @main-fact */
    int c = sum_to(2); /* @main-sum */
    printf("%d\n", a + b + c); /* @main-print */
    return 0; /* @main-ret */
} /* @main-end */
