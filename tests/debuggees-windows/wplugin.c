/* wplugin: the DLL wloadlib loads and frees at run time (LOAD_DLL / UNLOAD_DLL events).
 * rdb-build: -shared
 * rdb-output: wplugin.dll */
__declspec(dllexport) int plugin_answer(void)
{
    return 42; /* @plugin-answer */
}
