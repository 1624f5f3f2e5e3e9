/* clang_vars: vars.c built by clang (DWARF 5 as clang writes it: the frame base in rbp, indexed location lists and
 * addresses), for the value model's tests. Lines are vars.c's: find them with line_of("vars.c", ...).
 * rdb-compiler: clang-14 */
#include "vars.c"
