/* forks: forks a child that calls work() and exits 7; the parent waits, prints the child's status, then calls
 * work() itself. With a breakpoint on work the child (not debugged) must run clean: no int3 of the parent's may
 * be left in its copy of the code. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int work(int x) { return x * 3; } /* @work */

int main(void)
{
    pid_t child = fork();
    if (child == 0) {
        printf("child worked %d\n", work(2));
        fflush(stdout);
        _exit(7);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status))
        printf("child exited %d\n", WEXITSTATUS(status));
    else
        printf("child killed by signal %d\n", WTERMSIG(status));
    printf("parent worked %d\n", work(5));
    return 0;
}
