/* watch: globals for hardware breakpoints. main calls bump() five times (counter goes 1..5), then seen = peek()
 * (a read of counter), wide is written once, and it prints "counter=5 seen=5" and returns 0.
 * rdb-build: -fno-inline */
#include <stdio.h>

volatile int counter;
volatile int seen;
volatile long long wide;

void bump(void)
{
    counter = counter + 1;
}

int peek(void)
{
    return counter;
}

int main(void)
{
    for (int i = 0; i < 5; i++)
        bump();
    seen = peek();
    wide = 0x1122334455667788;
    printf("counter=%d seen=%d\n", counter, seen);
    return 0;
}
