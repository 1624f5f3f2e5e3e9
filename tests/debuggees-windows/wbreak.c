/* wbreak: a breakpoint the program wrote itself: __debugbreak() in break_here(), then "after break" and exit 0.
 * Under a debugger it is a Break instruction exception that continues past the int3; without one the process
 * dies of it (0x80000003). */
#include <stdio.h>
#include <windows.h>

void break_here(void)
{
    __debugbreak(); /* @debugbreak */
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    puts("before break");
    break_here();
    puts("after break");
    return 0;
}
