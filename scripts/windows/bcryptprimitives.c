/* bcryptprimitives.dll for Wine 8.0, which lacks it: Rust's standard library (1.78 and later) imports ProcessPrng
 * from it, so without this DLL every Rust .exe, rdb.exe included, fails to start with STATUS_DLL_NOT_FOUND.
 * A test-environment shim only: `cargo xtask build-windows` builds it next to rdb.exe; real Windows has its own.
 * Built with: x86_64-w64-mingw32-gcc -shared -O2 -s -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 under this name: the same system generator ProcessPrng draws from. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Fills `data` with `len` random bytes; FALSE only if the system generator fails. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
