/* echoes: reads lines from its standard input until its end, passing each to heard(), which prints
 * "heard: <line>" on stdout; then "lines: <n>" on stderr. A failed read says why ("read failed: <error>") on
 * stdout: a program that cannot read its terminal under a debugger shows it. Portable: the same source on Windows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

void heard(const char *line)
{
    printf("heard: %s\n", line); /* @heard */
    fflush(stdout);
}

int main(void)
{
    char line[256];
    int n = 0;
    printf("say something\n");
    fflush(stdout);
    for (;;) {
        errno = 0;
        if (!fgets(line, sizeof line, stdin)) {
            if (ferror(stdin))
                printf("read failed: %s\n", strerror(errno));
            break;
        }
        line[strcspn(line, "\r\n")] = 0;
        heard(line);
        n++;
    }
    fprintf(stderr, "lines: %d\n", n);
    return n;
}
