/* hello: the everyday debuggee.
 * Prints, calls add() three levels deep (main -> outer -> middle -> add), calls tick() five times,
 * and exits with code 3 (the value add returns).
 * Globals for memory commands: counter, message, wide_value, wide_message.
 * Tests find lines by the "@name" markers: keep one marker per line, and keep the one-line functions on one line
 * (a frame's line is then the same whether the unwinder looks up the return address or the call). */
#include <stdio.h>

int counter;
char message[] = "Hello, rdb!";
unsigned long long wide_value = 0x1122334455667788ULL;
unsigned short wide_message[] = u"Wide rdb";

int add(int a, int b) { return a + b; } /* @add */

int middle(int a, int b) { return add(a, b); } /* @middle */

int outer(int a, int b) { return middle(a, b); } /* @outer */

void tick(int i)
{
    counter += i; /* @tick-body */
}

int main(void)
{
    int printed = puts(message); /* @puts */
    for (int i = 0; i < 5; i++)
        tick(i);
    int result = outer(1, 2); /* @main-call */
    printf("counter=%d\n", counter);
    printf("add returned %d\n", result);
    (void)printed;
    return result;
}
