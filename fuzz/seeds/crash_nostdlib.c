/* The dumps seed's program: static, without the C library, so its core holds little but its stack, registers and
 * notes (a null write two frames down: the kernel's SIGSEGV note, and a stack to unwind). */
static volatile int *target;

__attribute__((noinline)) static void fault(int depth) {
    *target = depth;
}

void _start(void) {
    fault(1);
    for (;;) {
    }
}
