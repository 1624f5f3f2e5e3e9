/* abort: calls abort() from give_up(), which raises SIGABRT. */
#include <stdio.h>
#include <stdlib.h>

volatile int really = 1;

void give_up(void)
{
    /* Conditional, so the call to the noreturn abort() is not give_up's last instruction: its return address
     * stays inside give_up. */
    if (really)
        abort();
    puts("not reached");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    puts("about to abort");
    give_up();
    return 0;
}
