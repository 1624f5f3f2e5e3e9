/* wmsvcthrow: a C++ exception as MSVC's runtime raises it (RaiseException with code 0xE06D7363 and its four
 * parameters: magic, object, throw info, image base) from throw_it(), twice; a vectored handler catches each, prints
 * "caught e06d7363" and resumes past it; main prints "thrown 2" and exits 0. (mingw has no MSVC C++ runtime: the
 * exception is raised by hand, as `throw` would.) */
#include <stdio.h>
#include <windows.h>

#define MSVC_CXX_EXCEPTION 0xE06D7363u

static int object = 42;

static LONG CALLBACK on_exception(PEXCEPTION_POINTERS info)
{
    if (info->ExceptionRecord->ExceptionCode != MSVC_CXX_EXCEPTION)
        return EXCEPTION_CONTINUE_SEARCH;
    printf("caught %lx\n", info->ExceptionRecord->ExceptionCode);
    return EXCEPTION_CONTINUE_EXECUTION;
}

void throw_it(void)
{
    ULONG_PTR params[4] = {0x19930520, (ULONG_PTR)&object, 0, (ULONG_PTR)GetModuleHandleA(NULL)};
    RaiseException(MSVC_CXX_EXCEPTION, EXCEPTION_NONCONTINUABLE, 4, params); /* @throw */
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    AddVectoredExceptionHandler(1, on_exception);
    throw_it();
    throw_it();
    puts("thrown 2");
    return 0;
}
