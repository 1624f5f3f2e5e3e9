/* Writes through a null pointer. With the argument "handler" it first installs a SIGSEGV handler that exits
 * with 42. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void on_segv(int sig) {
    (void)sig;
    _exit(42);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_segv;
        sigaction(SIGSEGV, &sa, NULL);
    }
    *(volatile int *)0 = 1;
    return 0;
}
