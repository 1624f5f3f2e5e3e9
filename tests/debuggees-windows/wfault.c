/* wfault: an access violation at the known, never-mapped address 0x1337.
 *   wfault read    reads from it in read_fault()
 *   wfault write   writes to it in write_fault()
 * No handler: the process dies with code c0000005. */
#include <stdio.h>
#include <string.h>

#define BAD_ADDRESS ((volatile int *)0x1337)

int read_fault(void)
{
    return *BAD_ADDRESS; /* @read */
}

void write_fault(void)
{
    *BAD_ADDRESS = 42; /* @write */
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "write") == 0) {
        puts("about to write 0x1337");
        write_fault();
    } else {
        puts("about to read 0x1337");
        printf("read %d\n", read_fault());
    }
    puts("not reached");
    return 0;
}
