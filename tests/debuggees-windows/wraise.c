/* wraise: RaiseException with the code 0xE0524442 ("RDB") from raise_it().
 *   wraise handled    a vectored handler sees it, prints "handler saw e0524442" and resumes past it; exits 0.
 *   wraise unhandled  no handler: the process dies with the exception's code (after the debugger's second chance).
 * (__try is MSVC's; mingw programs handle exceptions with AddVectoredExceptionHandler.) */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#define RDB_EXCEPTION 0xE0524442u

static LONG CALLBACK on_exception(PEXCEPTION_POINTERS info)
{
    if (info->ExceptionRecord->ExceptionCode != RDB_EXCEPTION)
        return EXCEPTION_CONTINUE_SEARCH;
    printf("handler saw %lx\n", info->ExceptionRecord->ExceptionCode);
    /* A software exception (not a fault): execution resumes after the RaiseException call. */
    return EXCEPTION_CONTINUE_EXECUTION;
}

void raise_it(void)
{
    RaiseException(RDB_EXCEPTION, 0, 0, NULL); /* @raise */
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int handled = argc > 1 && strcmp(argv[1], "handled") == 0;
    if (handled)
        AddVectoredExceptionHandler(1, on_exception);
    puts("raising");
    raise_it();
    puts("after raise");
    return 0;
}
