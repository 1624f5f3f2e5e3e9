/* handled: installs a SIGSEGV handler with sigaction, then faults in fault(); the handler prints and _exit(7)s. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int *volatile target; /* null */

static void on_segv(int sig)
{
    (void)sig;
    static const char msg[] = "handler ran\n";
    write(1, msg, sizeof msg - 1);
    _exit(7);
}

void fault(void)
{
    *target = 1; /* @fault */
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    fault();
    puts("not reached");
    return 0;
}
