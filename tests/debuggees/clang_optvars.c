/* clang_optvars: optvars.c built by clang at -O2 (values in callee-saved registers across calls, entry values,
 * indexed location lists). Lines are optvars.c's: find them with line_of("optvars.c", ...).
 * rdb-compiler: clang-14
 * rdb-build: -O2 */
#include "optvars.c"
