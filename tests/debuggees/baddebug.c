/* baddebug: `loop` (prints "pid <decimal pid>" and "ready", then spins in spin_once(), counting in `spins`; it
 * exits on its own after 120 s, or argv[1] seconds) that first hides the loader's module list from debuggers: it
 * overwrites the DT_DEBUG entry of its own dynamic section, where a debugger finds the loader's `r_debug`, with an
 * address where nothing is mapped. Used to attach to. */
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>

#define main loop_main
#include "loop.c"
#undef main

extern ElfW(Dyn) _DYNAMIC[];

int main(int argc, char **argv)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (ElfW(Dyn) *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
        if (d->d_tag != DT_DEBUG)
            continue;
        /* The dynamic section is read-only after relocation (RELRO). */
        if (mprotect((void *)((uintptr_t)&d->d_un & ~(page - 1)), page, PROT_READ | PROT_WRITE) != 0) {
            perror("mprotect");
            return 1;
        }
        d->d_un.d_ptr = 0x40000000;
    }
    return loop_main(argc, argv);
}
