/* plugin: built as the shared library libplugin.so; dlopen.c loads it at run time.
 * rdb-build: -shared -fPIC
 * rdb-output: libplugin.so */
int plugin_answer(void)
{
    return 42;
}
