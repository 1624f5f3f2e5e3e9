/* plugin: built as the shared library libplugin.so; dlopen.c loads it at run time. */
int plugin_answer(void)
{
    return 42;
}
