/* dlopen: dlopens the shared library whose absolute path is argv[1] (libplugin.so), calls plugin_answer,
 * dlcloses it and prints "plugin said 42". Provokes ModLoad / Unload module at run time.
 * rdb-build: -ldl */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dlopen /abs/path/libplugin.so\n");
        return 2;
    }
    void *handle = dlopen(argv[1], RTLD_NOW);
    if (!handle) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    int (*answer)(void) = (int (*)(void))dlsym(handle, "plugin_answer");
    int value = answer ? answer() : -1;
    dlclose(handle);
    printf("plugin said %d\n", value);
    return 0;
}
