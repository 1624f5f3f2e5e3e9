// cxx_std_cow: cxx_std built with libstdc++'s old ABI (_GLIBCXX_USE_CXX11_ABI=0, as before gcc 5): a copy-on-write
// std::string (its length before its text) and a std::list that does not count its nodes. Breakpoints and markers
// are cxx_std.cc's.
#define _GLIBCXX_USE_CXX11_ABI 0
#include "cxx_std.cc"
