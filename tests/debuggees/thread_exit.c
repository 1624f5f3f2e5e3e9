/* thread_exit: threads that end while the debugger steps them.
 *
 * `thread_exit` (no argument): main starts one thread and joins it. The thread runs last_words(), which ends the
 * thread itself with a raw exit system call, code 7 (the process goes on). main then prints "joined" and exits 0.
 *
 * `thread_exit main`: main starts one thread, which loops calling nap() (a 50 ms sleep) forever; main waits for
 * the thread to be in that loop, sleeps 100 ms and calls exit(3) while the thread is still looping. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_barrier_t barrier;
volatile int naps;

void last_words(void)
{
    syscall(SYS_exit, 7); /* @exit_call */
}

static void *ending_thread(void *arg)
{
    (void)arg;
    last_words();
    return NULL;
}

void nap(void)
{
    naps++;
    usleep(50000);
}

static void *napping_thread(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&barrier);
    for (;;)
        nap();
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_t t;
    if (argc > 1 && strcmp(argv[1], "main") == 0) {
        pthread_barrier_init(&barrier, NULL, 2);
        pthread_create(&t, NULL, napping_thread, NULL);
        pthread_barrier_wait(&barrier);
        usleep(100000);
        exit(3);
    }
    pthread_create(&t, NULL, ending_thread, NULL);
    pthread_join(t, NULL);
    /* One write: the debugger's own lines share the output. */
    static const char joined[] = "joined\n";
    write(1, joined, sizeof joined - 1);
    return 0;
}
