/* execs: prints "before exec", then replaces itself with the program named by argv[1] (hello). The module list
 * must follow: the old image's modules unload, the new ones load, and breakpoints resolve in the new image. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 1;
    puts("before exec");
    fflush(stdout);
    execl(argv[1], argv[1], (char *)NULL);
    perror("execl");
    return 1;
}
