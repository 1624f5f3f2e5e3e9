//! The last exception under Wine: `!analyze -v`, `.exr -1` and `.ecxr` at the second chance of a null write in a
//! MinGW program, blamed on the program's function (the Windows counterpart of `analysis.rs`).

use rdb_testkit::prelude::*;
use rdb_testkit::wine::{rdb_wine, wine_path};

#[test]
fn a_null_write_analysed_at_its_second_chance_under_wine() {
    let program = wine_path(&windows_debuggee("crash"));
    let script =
        format!("g\ng\n{}\n!analyze -v\n{}\n.exr -1\n{}\n.ecxr\nk\nq\n", mark("analyze"), mark("exr"), mark("ecxr"));
    let run = rdb_wine(&[&program], &script);
    run.assert_matches(&second_chance_re("Access violation", "c0000005"));
    let analyze = run.section("analyze");
    analyze.assert_matches(r"(?m)^WRITE_ADDRESS:  00000000`00000000 \r?$");
    analyze.assert_matches(r"(?m)^PRIMARY_PROBLEM_CLASS:  NULL_POINTER_WRITE\r?$");
    analyze.assert_matches(r"(?m)^MODULE_NAME: crash\r?$");
    analyze.assert_matches(r"(?m)^IMAGE_NAME:  crash\.exe\r?$");
    analyze.assert_matches(r"(?m)^FAILURE_BUCKET_ID:  NULL_POINTER_WRITE_c0000005_crash\.exe!crash_here\r?$");
    let exr = run.section("exr");
    exr.assert_matches(r"(?m)^ExceptionAddress: [0-9a-f]{8}`[0-9a-f]{8} \(crash!crash_here\+0x[0-9a-f]+\)\r?$");
    exr.assert_matches(r"(?m)^   Parameter\[0\]: 0000000000000001\r?$");
    exr.assert_contains("Attempt to write to address 00000000`00000000");
    let ecxr = run.section("ecxr");
    ecxr.assert_matches(r"(?m)^crash!crash_here\+0x[0-9a-f]+:");
    ecxr.assert_frames_start_with(&["crash!crash_here", "crash!main"]);
}
