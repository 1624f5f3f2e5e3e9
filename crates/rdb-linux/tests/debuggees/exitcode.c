/* Exits with the code given as its first argument; has data and code the tests read and write. */
#include <stdio.h>
#include <stdlib.h>

volatile unsigned long marker = 0x1122334455667788UL;

int add(int a, int b) { return a + b; }

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 0;
    printf("exitcode: %d\n", add(code, 0));
    return code;
}
