// wpdbclassmingw: wpdbclass.cc built by clang for mingw's target with mingw's runtime and lld (its PDB beside it);
// main() returns run()'s 48.
// rdb-pdb: mingw
#define WITH_CRT 1
#include "wpdbclass.cc"

int main()
{
    return run();
}
