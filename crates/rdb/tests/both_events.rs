//! Events on both backends: a library loaded and freed at run time (`Backend::library_loader`: `dlopen` with
//! `plugin` on Linux, `wloadlib` with `wplugin` on Windows) is reported by `ModLoad` and `Unload module` at the same
//! start address, in that order, while the program runs to its end. Filters and the other events are in
//! `events.rs` (Linux) and `windows_events.rs` (one debuggee per kind of Win32 debug event).

use rdb_testkit::prelude::*;

on_both_backends!(loading_and_freeing_a_library_report_modload_and_unload);

fn loading_and_freeing_a_library_report_modload_and_unload(b: Backend) {
    let (loader, library) = b.library_loader();
    let library = b.debuggee(library);
    let run = b.rdb(&[&b.path_arg(&b.debuggee(loader)), &b.path_arg(&library)], "g\n");
    let path = b.module_path_re(&library);
    let load = run.assert_matches(&format!(r"(?m)^ModLoad: ({ADDR}) ({ADDR})   {path}$"));
    let unload = run.assert_matches(&format!(r"(?m)^Unload module {path} at ({ADDR})$"));
    assert_eq!(load[1], unload[1], "Unload names the start the load reported\n{}", run.dump());
    let at = |s: &str| run.stdout.find(s).unwrap_or_else(|| run.fail(&format!("no {s}")));
    assert!(at(&load[0]) < at(&unload[0]), "{}", run.dump());
    run.assert_contains("plugin said 42");
    run.assert_matches(&exit_code_re(0));
}
