/* The post-mortem line's debuggee: it fills argv[1] MB of heap (every page touched, so a full dump holds them all),
 * then calls down three frames to `deepest`, where the bench stops it and dumps it. ISO C plus POSIX's raise. */
#include <stdlib.h>
#include <string.h>

volatile char *block;
volatile int sink;

__attribute__((noinline)) void deepest(int depth) {
    sink = depth;
}

__attribute__((noinline)) void middle(int depth) {
    deepest(depth + 1);
    sink++;
}

__attribute__((noinline)) void outer(int depth) {
    middle(depth + 1);
    sink++;
}

int main(int argc, char **argv) {
    size_t mb = argc > 1 ? strtoul(argv[1], 0, 10) : 100;
    block = malloc(mb << 20);
    if (!block) {
        return 1;
    }
    memset((char *)block, 0x5a, mb << 20);
    outer(0);
    return 0;
}
