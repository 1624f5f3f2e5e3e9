/* vforks: vfork()s a child that execs /bin/true, as system() and posix_spawn() do. The child runs in the parent's
 * own memory until it execs, so the parent's breakpoints must be out of that memory meanwhile (a breakpoint on
 * execve would otherwise kill the child), and back in afterwards: the parent then calls work() once. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int work(int x) { return x + 1; } /* @work */

int main(void)
{
    pid_t child = vfork();
    if (child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(99);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status))
        printf("child exited %d\n", WEXITSTATUS(status));
    else
        printf("child killed by signal %d\n", WTERMSIG(status));
    printf("parent worked %d\n", work(1));
    return 0;
}
