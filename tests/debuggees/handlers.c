/* handlers: signal handlers under the debugger.
 *
 * `handlers raise`: installs a SIGUSR1 handler with sigaction; main's loop raises SIGUSR1 three times; the handler
 * calls in_handler(), which counts. Prints "handled=<count>" and exits 0 (so a swallowed signal shows in the count).
 *
 * `handlers timer [usec] [n]`: a SIGALRM every usec (1000) microseconds (setitimer) while main's loop runs n (3000)
 * times over `loop_site` (a jrcxz: rdb cannot run it out of line, so it steps off a breakpoint there by a single
 * step) and loop_body(); the handler counts ticks. Prints "iterations=<n> ticks=<t>" and exits 0: a signal or a
 * step-off the debugger lost shows in the counts or the exit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

volatile int handled;
volatile int iterations;
volatile int ticks;

void in_handler(int sig)
{
    handled += sig == SIGUSR1; /* @in_handler */
}

static void on_usr1(int sig)
{
    in_handler(sig); /* @call_in_handler */
}

static void on_alrm(int sig)
{
    (void)sig;
    ticks++;
}

void loop_body(void)
{
    iterations++; /* @loop_body */
}

static void raise_mode(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    for (int i = 0; i < 3; i++)
        raise(SIGUSR1); /* @raise */
    printf("handled=%d\n", handled);
}

static void timer_mode(long usec, int n)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alrm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, usec}, {0, usec}};
    setitimer(ITIMER_REAL, &it, NULL);
    for (int i = 0; i < n; i++) {
        /* An instruction rdb cannot run out of line (jrcxz), so a thread leaves a breakpoint here by a single step. */
        __asm__ volatile(".globl loop_site\nloop_site: jrcxz 1f\n1:" ::: "memory");
        loop_body();
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("iterations=%d ticks=%d\n", iterations, ticks);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "timer") == 0)
        timer_mode(argc > 2 ? atol(argv[2]) : 1000, argc > 3 ? atoi(argv[3]) : 3000);
    else
        raise_mode();
    return 0;
}
