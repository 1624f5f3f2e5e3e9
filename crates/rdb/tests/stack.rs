//! Call stacks: `k`, `kn`, `kb` at hello!add (main -> outer -> middle -> add), with source lines, and unwinding
//! through libc (CFI, no frame pointer).

use rdb_testkit::prelude::*;

fn stack_at_add(command: &str) -> RdbRun {
    let hello = debuggee("hello");
    rdb(&[s(&hello)], &format!("bp hello!add\ng\n{}\n{command}\n{}\n? @rsp\nq\n", mark("k"), mark("rsp")))
}

#[test]
fn k_frame_0_starts_at_rsp_and_returns_into_middle() {
    let hello = debuggee("hello");
    let run = rdb(
        &[s(&hello)],
        &format!(
            "bp hello!add\ng\n{}\nk\n{}\n? @rsp\n{}\n? hello!middle\n? hello!outer\nq\n",
            mark("k"),
            mark("rsp"),
            mark("syms")
        ),
    );
    let rows = run.section("k").all_matches(&format!(r"(?m)^(?:[0-9a-f]{{2}} )?({ADDR}) ({ADDR}) +(\S+)"));
    assert!(rows.len() >= 4, "{}", run.dump());
    assert_eq!(addr(&rows[0][1]), run.section("rsp").evaluation(), "frame 0's Child-SP is rsp\n{}", run.dump());
    let syms = run.section("syms").evaluations();
    let ret = addr(&rows[0][2]);
    assert!(syms[0] < ret && ret < syms[1], "frame 0 returns into middle: {ret:#x}\n{}", run.dump());
    // Child-SP grows towards the caller.
    let sps: Vec<u64> = rows.iter().take(4).map(|r| addr(&r[1])).collect();
    assert!(sps.windows(2).all(|w| w[0] < w[1]), "Child-SP increases: {sps:x?}\n{}", run.dump());
}

#[test]
fn kn_numbers_the_frames() {
    let run = stack_at_add("kn");
    let k = run.section("k");
    k.assert_matches(r"(?m)^ # Child-SP +RetAddr +Call Site$");
    let numbers = k.all_matches(&format!(r"(?m)^([0-9a-f]{{2}}) {ADDR} {ADDR} "));
    assert!(numbers.len() >= 4, "{}", run.dump());
    for (i, n) in numbers.iter().enumerate() {
        assert_eq!(usize::from_str_radix(&n[1], 16).unwrap(), i, "{}", run.dump());
    }
    k.assert_frames_start_with(&["hello!add", "hello!middle", "hello!outer", "hello!main"]);
}

#[test]
fn kb_shows_the_same_call_sites() {
    let run = stack_at_add("kb");
    let kb = run.section("k");
    kb.assert_contains("Call Site");
    let text = kb.text;
    let at = |s: &str| text.find(s).unwrap_or_else(|| run.fail(&format!("kb lacks {s}")));
    assert!(at("hello!add") < at("hello!middle") && at("hello!middle") < at("hello!outer"), "{}", run.dump());
    assert!(at("hello!outer") < at("hello!main"), "{}", run.dump());
}

#[test]
fn k_in_a_leaf_before_its_prologue() {
    let steps = debuggee("steps");
    let run = rdb(&[s(&steps)], &format!("bp steps!leaf\ng\n{}\nk\nt\n{}\nk\nq\n", mark("entry"), mark("pushed")));
    run.section("entry").assert_frames_start_with(&["steps!leaf", "steps!mid", "steps!main"]);
    run.section("pushed").assert_frames_start_with(&["steps!leaf", "steps!mid", "steps!main"]);
}

#[test]
fn k_unwinds_through_libc() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp libc!puts\ng\n{}\nk\nq\n", mark("k")));
    let frames = run.section("k").frames();
    assert!(frames.len() >= 2, "{}", run.dump());
    assert!(frames[0].site.starts_with("libc!"), "frame 0 is in libc: {frames:?}\n{}", run.dump());
    assert!(frames[1].is("hello!main"), "puts returns into main: {frames:?}\n{}", run.dump());
    assert_eq!(frames[1].line, Some(line_of("hello.c", "puts")), "{}", run.dump());
}

#[test]
fn k_ends_below_main() {
    let hello = debuggee("hello");
    let run = rdb(&[s(&hello)], &format!("bp hello!add\ng\n{}\nk\nq\n", mark("k")));
    let frames = run.section("k").frames();
    // main is called from libc's start-up code; the walk goes no further than a few frames past it.
    let main = frames.iter().position(|f| f.is("hello!main")).unwrap_or_else(|| run.fail("no main frame"));
    assert!(frames.len() - main <= 5, "{frames:#?}\n{}", run.dump());
}

#[test]
fn a_caller_whose_call_never_returns_is_named_after_itself() {
    // fatal()'s call to abort is its last instruction: its return address is after_fatal's first byte. The caller
    // is named after its call (pc − 1), as gdb names it, with the offset of its pc.
    let noreturn = debuggee("noreturn");
    let run = rdb(&[s(&noreturn), "abort"], &format!("bp libc!abort\ng\n{}\nk\nq\n", mark("k")));
    let frames = run.section("k").frames();
    assert!(frames.len() >= 3, "{}", run.dump());
    assert!(frames[0].site.starts_with("libc!abort"), "{frames:?}\n{}", run.dump());
    assert!(frames[1].is("noreturn!fatal"), "{frames:?}\n{}", run.dump());
    assert_eq!(frames[1].line, Some(line_of("noreturn.c", "abort")), "{}", run.dump());
    assert!(frames[2].is("noreturn!main"), "{frames:?}\n{}", run.dump());
    run.assert_not_contains("after_fatal");
}

#[test]
fn a_frame_a_signal_interrupted_is_at_the_line_it_resumes() {
    // main faults on the first instruction of its line; the handler's caller is the signal trampoline, whose caller
    // (main) was interrupted there, not calling: its line is the faulting one, not the line before.
    let interrupted = debuggee("interrupted");
    let run = rdb(&[s(&interrupted)], &format!("bp interrupted!on_segv\ng\ng\n{}\nk\nq\n", mark("k")));
    let frames = run.section("k").frames();
    assert!(frames.len() >= 3, "{}", run.dump());
    assert!(frames[0].is("interrupted!on_segv"), "{frames:?}\n{}", run.dump());
    assert!(frames[1].is("libc!__restore_rt"), "the signal trampoline: {frames:?}\n{}", run.dump());
    assert!(frames[2].is("interrupted!main"), "{frames:?}\n{}", run.dump());
    assert_eq!(frames[2].line, Some(line_of("interrupted.c", "fault")), "{}", run.dump());
}

#[test]
fn at_a_thread_created_stop_both_stacks_are_whole_and_true() {
    // The creating thread stands in clone3 just after its syscall, in code glibc leaves without CFI on purpose
    // (the child runs on from there on a new stack): its stack goes on through pthread_create to main, as gdb's
    // does; the new thread, on its fresh stack, has that one frame and no invented caller.
    let threads = debuggee("threads");
    let run = rdb(&[s(&threads)], &format!("sxe ct\ng\n{}\n~0k 8\n{}\n~1k 8\nq\n", mark("creator"), mark("created")));
    let creator = run.section("creator").frames();
    assert!(creator[0].is("libc!clone3"), "{creator:?}\n{}", run.dump());
    assert!(creator.iter().any(|f| f.is("libc!pthread_create")), "{creator:?}\n{}", run.dump());
    assert!(creator.iter().any(|f| f.is("threads!main")), "{creator:?}\n{}", run.dump());
    let created = run.section("created").frames();
    assert_eq!(created.len(), 1, "{created:?}\n{}", run.dump());
    assert!(created[0].is("libc!clone3"), "{created:?}\n{}", run.dump());
}
