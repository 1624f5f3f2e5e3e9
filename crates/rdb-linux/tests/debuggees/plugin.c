/* A shared library the dlopen test loads and unloads. */
int plugin_value(void) { return 1234; }
