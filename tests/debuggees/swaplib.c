/* swaplib: changes the file of a library it has loaded, under the debugger's feet, as anyone may: it dlopens the
 * library at argv[2] (a copy of libplugin.so the test made), calls plugin_answer, stops in loaded(), then as
 * argv[1] says replaces the file by a FIFO ("fifo") or by a symlink to /dev/zero ("zero"), or truncates it to
 * nothing ("truncate", what `cp` over a library does first), and stops in changed(). Then it loads libm, so that
 * a debugger walks the loader's list of modules again and meets the changed file, and exits with _exit(0), so
 * that no code of the truncated library (its destructors) runs again.
 * rdb-build: -ldl */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void loaded(void)
{
}

void changed(void)
{
}

static int change(const char *how, const char *path)
{
    if (strcmp(how, "truncate") == 0)
        return truncate(path, 0);
    if (unlink(path) != 0)
        return -1;
    if (strcmp(how, "fifo") == 0)
        return mkfifo(path, 0600);
    if (strcmp(how, "zero") == 0)
        return symlink("/dev/zero", path);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: swaplib fifo|zero|truncate /abs/path/libplugin.so\n");
        return 2;
    }
    void *handle = dlopen(argv[2], RTLD_NOW);
    if (!handle) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    int (*answer)(void) = (int (*)(void))dlsym(handle, "plugin_answer");
    printf("plugin said %d\n", answer ? answer() : -1);
    loaded();
    if (change(argv[1], argv[2]) != 0) {
        perror(argv[1]);
        return 1;
    }
    printf("library file changed: %s\n", argv[1]);
    fflush(stdout);
    changed();
    printf("libm %s\n", dlopen("libm.so.6", RTLD_NOW) ? "loaded" : dlerror());
    fflush(stdout);
    _exit(0);
}
