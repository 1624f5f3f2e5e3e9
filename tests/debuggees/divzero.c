/* divzero: an integer division by zero in divide() raises SIGFPE. */
#include <stdio.h>

volatile int zero = 0;

int divide(int a, int b)
{
    return a / b; /* @divide */
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    puts("about to divide");
    int r = divide(10, zero);
    printf("not reached %d\n", r);
    return 0;
}
