//! Programs of other shapes than hello: statically linked (with a dynamic section that points nowhere too), exec'ing
//! another program, C++ names that need quoting; and the breakpoint and disassembly forms found missing when rdb was
//! first tried on them (numeric addresses, data addresses, `u <start> <end>`, `uf`, `ub`, pseudo-registers in `r`).

use rdb_testkit::prelude::*;

#[test]
fn a_static_program_stops_at_its_entry_and_breaks_in_its_libc() {
    let st = debuggee("static");
    let run = rdb(&[s(&st)], &format!("{}\nbp static!twice\ng\n{}\nk\nr rdi\nq\n", mark("initial"), mark("hit")));
    run.assert_matches(r"Break instruction exception - code 80000003 \(first chance\)(?s).*static!_start:");
    run.assert_matches(&bp_hit_re(0, "static!twice"));
    let hit = run.section("hit");
    hit.assert_frames_start_with(&["static!twice", "static!main"]);
    hit.assert_matches(r"(?m)^rdi=0000000000000015$");
    run.assert_not_contains("static says");
}

#[test]
fn a_dynamic_section_pointing_nowhere_costs_the_module_list_not_the_session() {
    // As gdb: the loader's rendezvous cannot be found, the session goes on without it, the program runs.
    let wild = with_wild_dynamic("static");
    let stdin = format!("{}\nbp static_wild_dynamic!twice\ng\n{}\nk\ng\n", mark("initial"), mark("hit"));
    let run = rdb(&[s(&wild)], &stdin);
    let notice = format!(
        "Unable to read the loader's module list: Memory access error at {}; later loads are not reported",
        fmt_addr(WILD_DYNAMIC)
    );
    run.out().assert_count(&format!("(?m)^{}$", regex::escape(&notice)), 1);
    run.assert_matches(
        r"Break instruction exception - code 80000003 \(first chance\)(?s).*static_wild_dynamic!_start:",
    );
    run.assert_matches(&bp_hit_re(0, "static_wild_dynamic!twice"));
    run.section("hit").assert_frames_start_with(&["static_wild_dynamic!twice", "static_wild_dynamic!main"]);
    run.assert_contains("static says 42");
    run.assert_matches(&exit_code_re(5));
}

#[test]
fn exec_replaces_the_modules_and_breakpoints_resolve_in_the_new_image() {
    let execs = debuggee("execs");
    let hello = debuggee("hello");
    let run = rdb(&[s(&execs), s(&hello)], &format!("g\nbu hello!add\ng\n{}\nk\nlm\nq\n", mark("hit")));
    run.assert_contains("before exec");
    run.assert_matches(&format!(r"(?m)^Unload module {} at {ADDR}$", regex::escape(s(&execs))));
    run.assert_matches(&format!(r"(?m)^ModLoad: {ADDR} {ADDR}   {}$", regex::escape(s(&hello))));
    run.assert_matches(&bp_hit_re(0, "hello!add"));
    let hit = run.section("hit");
    hit.assert_frames_start_with(&["hello!add", "hello!middle", "hello!outer", "hello!main"]);
    // One libc, the new image's: the old one went with the exec.
    assert_eq!(hit.count(r"(?m)^\S+ \S+   libc"), 1, "{}", run.dump());
    hit.assert_not_matches(r"(?m)^\S+ \S+   execs ");
}

#[test]
fn cpp_names_with_blanks_and_parentheses_are_quoted_with_at_bang() {
    let cxx = debuggee("cxx");
    let run = rdb(
        &[s(&cxx)],
        &format!("{}\nbm cxx!Dog::*\nbp @!\"cxx!thrower(int)\"\n{}\nbl\ng\ng\nq\n", mark("bm"), mark("bl")),
    );
    run.section("bm").assert_matches(&format!(r#"(?m)^  0: {ADDR} @!"cxx!Dog::speak\(\) const"$"#));
    run.section("bl").assert_matches(r"(?m)^ 1 e Disable Clear .*cxx!thrower\(int\)");
    run.assert_matches(&bp_hit_re(1, r"cxx!thrower\(int\)"));
    run.assert_matches(&bp_hit_re(0, r"cxx!Dog::speak\(\) const"));
}

#[test]
fn bp_takes_a_numeric_address() {
    let hello = debuggee("hello");
    // ASLR is off under rdb (as under gdb): the address one run finds is the address in the next.
    let address = rdb(&[s(&hello)], "? hello!add\nq\n").out().evaluation();
    for form in [format!("{address:#x}"), format!("{address:x}"), format!("0n{address}")] {
        let run = rdb(&[s(&hello)], &format!("bp {form}\ng\nq\n"));
        run.assert_matches(&bp_hit_re(0, "hello!add"));
    }
}

#[test]
fn bp_on_data_or_unmapped_memory_is_refused() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!counter\nbp 0n16\n{}\nbl\ng\nq\n", mark("bl")));
    run.assert_error(r"^\^ hello!counter is not in executable memory.*in 'bp hello!counter'$");
    run.assert_error(r"^\^ Memory access error at 00000000`00000010 in 'bp 0n16'$");
    run.section("bl").assert_not_contains("Clear");
    run.assert_contains("counter=10");
}

#[test]
fn u_with_an_end_address_stops_there() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nu hello!add hello!add+4\nq\n", mark("u")));
    let u = run.section("u");
    u.assert_matches(r"(?m)^hello!add:$");
    // push rbp (1 byte) and mov rbp,rsp (3 bytes): the third instruction starts at +4, past the end.
    assert_eq!(u.count(&format!(r"(?m)^{ADDR} [0-9a-f]+ +\S")), 2, "{}", run.dump());
}

#[test]
fn uf_disassembles_the_whole_function_and_ub_what_ends_at_an_address() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nuf hello!add\n{}\nub hello!main L1\nq\n", mark("uf"), mark("ub")));
    let uf = run.section("uf");
    uf.assert_matches(r"(?m)^hello!add:$");
    uf.assert_matches(r"(?m)push +rbp$");
    uf.assert_matches(r"(?m) ret$");
    // The instruction before main is the end of the function laid out before it (its ret, or padding).
    let ub = run.section("ub");
    assert_eq!(ub.count(&format!(r"(?m)^{ADDR} [0-9a-f]+ +\S")), 1, "{}", run.dump());
}

#[test]
fn r_shows_pseudo_registers_and_counts_must_be_positive() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("{}\nr $ip\nr $exentry\n{}\nt -1\nq\n", mark("pseudo"), mark("t")));
    let pseudo = run.section("pseudo");
    let ip = pseudo.assert_matches(r"(?m)^\$ip=([0-9a-f]{16})$");
    let entry = pseudo.assert_matches(r"(?m)^\$exentry=([0-9a-f]{16})$");
    assert_eq!(ip[1], entry[1], "at the initial breakpoint rip is the entry point\n{}", run.dump());
    run.assert_error(r"^\^ the count must be a positive number, not -1 in 't -1'$");
}

#[test]
fn commands_that_need_a_process_say_so_alike_after_the_exit() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], "g\nr\ndb @rsp\nk\n~\nu\n? 1+1\n");
    let errors: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("^ ")).collect();
    assert_eq!(errors.len(), 5, "{errors:?}\n{}", run.dump());
    assert!(errors.iter().all(|e| e.starts_with("^ No runnable debuggees")), "{errors:?}");
    run.assert_contains("Evaluate expression: 2 = 00000000`00000002");
}

#[test]
fn a_forked_child_runs_clean_of_the_parents_breakpoints() {
    let forks = debuggee("forks");
    let run = rdb(&[s(&forks)], &format!("bp forks!work\ng\n{}\nbl\ng\nq\n", mark("bl")));
    run.assert_matches(r"Create process [0-9a-f]+: a child, not debugged");
    // The child reached work() too, with no int3 left in its copy of the code.
    run.assert_contains("child worked 6");
    run.assert_contains("child exited 7");
    run.assert_not_contains("killed by signal");
    run.assert_matches(&bp_hit_re(0, "forks!work"));
    run.section("bl").assert_matches(r"(?m)^ 0 e Disable Clear .*forks!work hits=1$");
    run.assert_contains("parent worked 15");
    run.assert_matches(&exit_code_re(0));
}

#[test]
fn a_vfork_child_runs_while_the_breakpoints_are_out_of_the_shared_memory() {
    let vforks = debuggee("vforks");
    let run = rdb(&[s(&vforks)], &format!("bp libc!execve\nbp vforks!work\ng\n{}\nbl\ng\nq\n", mark("bl")));
    run.assert_matches(r"Create process [0-9a-f]+: a child, not debugged");
    // The child reached execve with no int3 there, so it ran /bin/true.
    run.assert_contains("child exited 0");
    run.assert_not_contains("killed by signal");
    // The breakpoints came back once the child had exec'd: the parent's own call hits.
    run.assert_matches(&bp_hit_re(1, "vforks!work"));
    let bl = run.section("bl");
    bl.assert_matches(r"(?m)^ 0 e Disable Clear .*libc!execve hits=0$");
    bl.assert_matches(r"(?m)^ 1 e Disable Clear .*vforks!work hits=1$");
    run.assert_contains("parent worked 2");
}
