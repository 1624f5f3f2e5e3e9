/* wpdbvalsmingw: wpdbvals.c built by clang for mingw's target with mingw's runtime and lld (its PDB beside it);
 * main() returns run()'s 11.
 * rdb-pdb: mingw */
#define WITH_CRT 1
#include "wpdbvals.c"

int main(void)
{
    return run(); /* @main_run */
}
