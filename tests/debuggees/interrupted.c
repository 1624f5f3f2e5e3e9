/* interrupted: a signal interrupts main at the first instruction of a line. main makes `page` inaccessible, then
 * writes it (one instruction, the first of its line: the line before it is another statement), which faults; the
 * handler on_segv() makes the page writable again and returns through the signal trampoline, and the write runs
 * again. Prints "written 1" and exits 0.
 * rdb-build: -g -O0 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static char page[4096] __attribute__((aligned(4096)));
volatile int before;

void on_segv(int sig)
{
    (void)sig;
    mprotect(page, sizeof page, PROT_READ | PROT_WRITE);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    mprotect(page, sizeof page, PROT_NONE);
    before = 1;
    page[0] = 1; /* @fault */
    printf("written %d\n", page[0]);
    return 0;
}
