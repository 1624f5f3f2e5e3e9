/* flagsite: a place where a breakpoint's condition, run inside the debuggee, must leave everything as it was.
 * loop10 (assembly, the same on Linux and Windows) counts i = 0..9 in rcx; at each turn the flags of `cmp rcx,5`
 * are live across `flag_site`, a 5-byte `mov eax` that a jump can cover, and the `jae` after it reads them.
 * rdx (3), r11 (7) and a value in the red zone below rsp (0x55) must survive every turn too. It returns
 * taken (5, the turns with i < 5) + rdx + r11 + the red-zone value = 100. main prints "result=<it>" and exits 0.
 * Not `-O0`-sensitive: the asm is the asm. */
#include <stdio.h>

long loop10(void);

__asm__(".text\n"
        ".intel_syntax noprefix\n"
        ".globl loop10\n"
        "loop10:\n"
        "    push rbx\n"
        "    xor ebx, ebx\n"
        "    xor ecx, ecx\n"
        "    mov edx, 3\n"
        "    mov r11d, 7\n"
        "    mov qword ptr [rsp-8], 0x55\n"
        "1:  cmp rcx, 5\n"
        ".globl flag_site\n"
        "flag_site:\n"
        "    mov eax, 0x12345\n"
        "    jae 2f\n"
        "    inc ebx\n"
        "2:  inc rcx\n"
        "    cmp rcx, 10\n"
        "    jb 1b\n"
        "    lea rax, [rbx+rdx]\n"
        "    add rax, r11\n"
        "    add rax, qword ptr [rsp-8]\n"
        "    pop rbx\n"
        "    ret\n"
        ".att_syntax prefix\n");

int main(void)
{
    printf("result=%ld\n", loop10());
    return 0;
}
