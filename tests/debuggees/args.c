/* args: prints its arguments as it received them, one a line between brackets ("arg 1 [two words]"), then
 * "argc=<argc>", and returns the number of arguments. */
#include <stdio.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("arg %d [%s]\n", i, argv[i]);
    printf("argc=%d\n", argc);
    return argc - 1;
}
