/* dumped: a known state for the dumps rdb writes (`.dump`). main starts a second thread, which parks in
 * park() until the end; main calls outer() -> inner(), which has locals and reads the global string `motto`.
 * With no argument the program returns 7 from main (exit code 7); with "crash", inner() writes through a null
 * pointer at the @crash line and the process dies of SIGSEGV.
 * Tests find lines by the "@name" markers.
 * rdb-build: -g -O0 -pthread */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char motto[] = "dumps keep what the program had";
int *volatile nowhere; /* null */
static volatile int stop_parking;

static void *park(void *arg)
{
    (void)arg;
    while (!stop_parking)
        usleep(1000);
    return NULL;
}

int inner(int depth, int crash)
{
    char word[16];
    int length = (int)strlen(motto);
    strcpy(word, "inner");
    if (crash)
        *nowhere = length; /* @crash */
    return length + depth + word[0]; /* @inner */
}

int outer(int crash)
{
    int got = inner(2, crash);
    return got - 'i' - (int)strlen(motto) - 2; /* @outer */
}

int main(int argc, char **argv)
{
    pthread_t parked;
    int crash = argc > 1 && strcmp(argv[1], "crash") == 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_create(&parked, NULL, park, NULL);
    int r = outer(crash) + 7;
    stop_parking = 1;
    pthread_join(parked, NULL);
    printf("dumped done %d\n", r);
    return r;
}
