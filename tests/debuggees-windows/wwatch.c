/* wwatch: writes the 4-byte global `watched` five times in a loop (values 1, 2, 3, 4, 5), each write in
 * write_watched(), for data breakpoints (`ba w4 wwatch!watched`); reads it once more and exits 0 after printing
 * "watched 5". The global `untouched` beside it is never written. */
#include <stdio.h>

volatile int watched;
volatile int untouched;

void write_watched(int value)
{
    watched = value; /* @write */
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 1; i <= 5; i++)
        write_watched(i);
    printf("watched %d\n", watched + untouched);
    return 0;
}
