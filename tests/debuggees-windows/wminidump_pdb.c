/* wminidump_pdb: wminidump (which see) built by clang with mingw's runtime and lld, its own code described only by
 * a PDB beside it: a Windows dump of a program whose symbols are in a PDB.
 * rdb-pdb: mingw
 * rdb-build: -ldbghelp */
#include "wminidump.c"
