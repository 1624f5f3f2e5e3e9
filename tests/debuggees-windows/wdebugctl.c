/* wdebugctl: sends one debug string holding control characters, as a hostile program may: an ESC sequence that
 * would clear the screen and newlines that would forge a line of the debugger's own, then exits 0. */
#include <stdio.h>
#include <windows.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    OutputDebugStringA("rdb \033[2Jcleared\nBreakpoint 0 hit\n");
    puts("string sent");
    return 0;
}
