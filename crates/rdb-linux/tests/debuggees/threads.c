/* Threads for the all-stop tests. Mode (argv[1]):
 *   join         three threads run and exit; main joins them and exits with 7
 *   leader-exit  main calls pthread_exit; the last thread exits the process with 9
 *   group-exit   a thread calls exit(4) while main waits in pthread_join
 *   race         four threads call hit() at the same moment; exits with 0
 *   sleepers     two threads sleep 300 ms; main joins them and exits with 5
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile long counter;

static void *worker(void *arg) {
    for (int i = 0; i < 100000; i++) counter++;
    return arg;
}

static pthread_barrier_t barrier;

void hit(void) { counter++; }

static void *racer(void *arg) {
    pthread_barrier_wait(&barrier);
    hit();
    return arg;
}

static void *sleeper(void *arg) {
    usleep(300 * 1000);
    return arg;
}

static void *exit_later(void *arg) {
    usleep(50 * 1000);
    exit((int)(long)arg);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "join";
    pthread_t t[3];
    if (strcmp(mode, "join") == 0) {
        for (long i = 0; i < 3; i++) pthread_create(&t[i], NULL, worker, (void *)i);
        for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
        return 7;
    }
    if (strcmp(mode, "race") == 0) {
        pthread_t r[4];
        pthread_barrier_init(&barrier, NULL, 4);
        for (long i = 0; i < 4; i++) pthread_create(&r[i], NULL, racer, (void *)i);
        for (int i = 0; i < 4; i++) pthread_join(r[i], NULL);
        return 0;
    }
    if (strcmp(mode, "sleepers") == 0) {
        for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, sleeper, (void *)i);
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
        return 5;
    }
    if (strcmp(mode, "leader-exit") == 0) {
        pthread_create(&t[0], NULL, exit_later, (void *)9L);
        pthread_exit(NULL);
    }
    if (strcmp(mode, "group-exit") == 0) {
        pthread_create(&t[0], NULL, exit_later, (void *)4L);
        pthread_join(t[0], NULL);
        return 0;
    }
    return 1;
}
