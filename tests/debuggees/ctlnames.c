/* ctlnames: a program whose names hold control characters, as a hostile program's may: its source file is named
 * (by #line) with an ESC sequence and a newline that would forge an rdb line, and the function at the symbol
 * `evil<ESC>[31mred` has an ESC sequence in its name. The tests rename `weird` too (objcopy), to a name holding a
 * newline. main calls both and exits 0. */
#line 1 "ctl\033[2J\nBreakpoint 0 hit.c"
#include <stdio.h>

__asm__(".text\n"
        ".globl \"evil\033[31mred\"\n"
        ".type \"evil\033[31mred\", @function\n"
        "\"evil\033[31mred\":\n"
        "    ret\n"
        ".size \"evil\033[31mred\", .-\"evil\033[31mred\"\n");

void red(void);
__asm__(".text\n"
        ".globl red\n"
        ".type red, @function\n"
        "red:\n"
        "    jmp \"evil\033[31mred\"\n"
        ".size red, .-red\n");

int weird(int x)
{
    return x + 1;
}

int main(void)
{
    red();
    printf("weird says %d\n", weird(1));
    return 0;
}
