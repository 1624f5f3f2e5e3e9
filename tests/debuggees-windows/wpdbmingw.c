/* wpdbmingw: a Windows program whose symbols are in a PDB, built by clang for mingw's target with mingw's C runtime
 * and lld: main prints "sum 5" (add(2, 3)) and returns 5. mingw's runtime objects bring DWARF of their own into
 * the image; this file's code is described only by the PDB.
 * rdb-pdb: mingw */
#include <stdio.h>

int add(int a, int b)
{ /* @add_entry */
    int sum = a + b; /* @add_body */
    return sum;
}

int main(void)
{
    int t = add(2, 3); /* @main_add */
    printf("sum %d\n", t);
    return t;
}
