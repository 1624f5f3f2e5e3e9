/* sigusr: installs a SIGUSR1 handler that prints "caught", raises SIGUSR1, then prints "after raise" and exits 0.
 * Delivered (gn): "caught" then "after raise". Suppressed (gh): only "after raise". */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void on_usr1(int sig)
{
    (void)sig;
    static const char msg[] = "caught\n";
    write(1, msg, sizeof msg - 1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    puts("after raise");
    return 0;
}
