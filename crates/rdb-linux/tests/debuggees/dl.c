/* Loads the library named by its first argument with dlopen, calls into it and unloads it. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    int (*f)(void) = (int (*)(void))dlsym(h, "plugin_value");
    int v = f ? f() : 0;
    dlclose(h);
    return v == 1234 ? 0 : 3;
}
