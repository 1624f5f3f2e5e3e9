/* For system calls injected by the debugger. Mode (argv[1]):
 *   sleep  sleeps one second in a single nanosleep and exits with the time it took in hundredths of a second
 *          (at most 250), or 255 if the sleep failed
 *   (none) touch() writes page[1], reads it back and writes page[7] (page is a page-aligned global), then main
 *          exits with page[1] + page[7] (11) */
#include <string.h>
#include <time.h>

__attribute__((aligned(4096))) volatile int page[8];

static int sleep_mode(void) {
    struct timespec start, end, nap = {1, 0};
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (nanosleep(&nap, NULL) != 0) return 255;
    clock_gettime(CLOCK_MONOTONIC, &end);
    long ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    return ms / 10 > 250 ? 250 : (int)(ms / 10);
}

void touch(void) {
    page[1] = 5;
    int seen = page[1];
    page[7] = seen + 1;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "sleep") == 0) return sleep_mode();
    touch();
    return page[1] + page[7];
}
