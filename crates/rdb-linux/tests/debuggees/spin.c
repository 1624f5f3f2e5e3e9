/* Spins (argument "spin") or sleeps in short naps for about a second (argument "nap") and then exits with 3. */
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long spins;

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        for (;;) spins++;
    }
    for (int i = 0; i < 20; i++) usleep(50 * 1000);
    return 3;
}
