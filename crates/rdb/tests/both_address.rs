//! `!address` on both backends: the address space in WinDbg's columns (the program's image, the stopped thread's
//! stack, free space), one region field by field, the program's own protection under a `bpm` guard page, and bad
//! input as one line.

use rdb_testkit::prelude::*;

on_both_backends!(
    address_lists_the_image_the_stack_and_free_space,
    address_of_one_region_shows_its_fields,
    address_under_bpm_shows_the_programs_protection,
);

/// One listing row: base, end+1 and size (`7fff`f7dc2000`), then type, state, protection and usage.
fn row_re(kind: &str, state: &str, protect: &str, usage: &str) -> String {
    format!(
        r"(?m)^[+ ] *[0-9a-f]+`[0-9a-f]{{8}} +[0-9a-f]+`[0-9a-f]{{8}} +[0-9a-f]+`[0-9a-f]{{8}} {kind} +{state} +{protect} +{usage}"
    )
}

fn address_lists_the_image_the_stack_and_free_space(b: Backend) {
    let run = b.launch(
        "hello",
        &format!(
            "g hello!main\n{}\n!address\n{}\n!address nosuch!x\n{}\n? 1\nq\n",
            mark("map"),
            mark("bad"),
            mark("after")
        ),
    );
    let map = run.section("map");
    map.assert_matches(r"(?m)^ +BaseAddress +EndAddress\+1 +RegionSize +Type +State +Protect +Usage$");
    let image = format!(r#"Image +\[hello; "{}"\]$"#, b.image_re("hello"));
    map.assert_matches(&row_re("MEM_IMAGE  ", "MEM_COMMIT", "PAGE_EXECUTE_READ", &image));
    map.assert_matches(&row_re(
        "MEM_PRIVATE",
        "MEM_COMMIT",
        r"PAGE_READWRITE(?: \| PAGE_GUARD)?",
        r"Stack +\[~0; [0-9a-f]+\]$",
    ));
    map.assert_matches(&row_re(" {11}", "MEM_FREE", "PAGE_NOACCESS", "Free$"));
    // The first row starts at 0, and rows follow each other with no gap: each base is the previous end.
    let rows: Vec<(u64, u64)> = map
        .text
        .lines()
        .filter(|l| l.starts_with(['+', ' ']) && l.contains('`'))
        .map(|l| {
            let mut cols = l[1..].split_whitespace().map(|c| u64::from_str_radix(&c.replace('`', ""), 16).unwrap());
            (cols.next().unwrap(), cols.next().unwrap())
        })
        .collect();
    assert_eq!(rows.first().map(|r| r.0), Some(0), "{}", run.dump());
    assert!(rows.windows(2).all(|w| w[0].1 <= w[1].0), "rows in order without overlap\n{}", run.dump());
    run.section("bad").assert_matches(r"(?m)^\^ Couldn't resolve error at 'nosuch!x' in '!address nosuch!x'$");
    run.section("after").assert_matches(r"(?m)^Evaluate expression: 1 = ");
}

fn address_of_one_region_shows_its_fields(b: Backend) {
    let run = b.launch(
        "hello",
        &format!(
            "g hello!main\n{}\n!address hello!main\n{}\n!address @rsp\n{}\n!address 0\n",
            mark("code"),
            mark("stack"),
            mark("free")
        ),
    );
    let code = run.section("code");
    code.assert_matches(r"(?m)^Usage: +Image$");
    code.assert_matches(&format!(r"(?m)^Base Address: +{ADDR}$"));
    code.assert_matches(&format!(r"(?m)^Region Size: +{ADDR} \( *[0-9.]+ [kMG]?B\)$"));
    code.assert_matches(r"(?m)^State: +00001000 +MEM_COMMIT$");
    code.assert_matches(r"(?m)^Protect: +00000020 +PAGE_EXECUTE_READ$");
    code.assert_matches(r"(?m)^Type: +01000000 +MEM_IMAGE$");
    code.assert_matches(r"(?m)^Module Name: +hello$");
    let stack = run.section("stack");
    stack.assert_matches(r"(?m)^Usage: +Stack$");
    stack.assert_matches(r"(?m)^Type: +00020000 +MEM_PRIVATE$");
    stack.assert_matches(r"(?m)^More info: +~0k$");
    let free = run.section("free");
    free.assert_matches(r"(?m)^Usage: +Free$");
    free.assert_matches(r"(?m)^State: +00010000 +MEM_FREE$");
    free.assert_matches(r"(?m)^Base Address: +00000000`00000000$");
}

/// With a `bpm` armed on `wide`'s page (counter's too), a stop elsewhere shows the page as the program made it:
/// readable and writable, no guard and no PAGE_NOACCESS of the debugger's; the program runs on as before.
fn address_under_bpm_shows_the_programs_protection(b: Backend) {
    let run = b.launch(
        "watch",
        &format!(
            "bpm watch!wide 8 w\nbp watch!peek\n{}\ng\n!address watch!wide\n{}\nbc *\ng\n",
            mark("armed"),
            mark("end")
        ),
    );
    let armed = run.section("armed");
    armed.assert_matches(&bp_hit_re(1, r"watch!peek"));
    armed.assert_matches(r"(?m)^Protect: +0000000[48] +PAGE_(?:READWRITE|WRITECOPY)$");
    armed.assert_not_contains("PAGE_GUARD");
    run.section("end").assert_contains("counter=5 seen=5");
}
