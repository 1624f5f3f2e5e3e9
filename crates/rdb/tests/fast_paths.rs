//! Fast paths of breakpoints on a hot path: a thread steps off an int3 with the int3 left in, the displaced
//! instruction emulated or run out of line in scratch memory, so a false condition costs one stop. Checked
//! through their effects: the program's own counts, `hits=`, the site reading as the original code, and a detach
//! mid-loop leaving the code as in the file. `hot` (`hot <threads> <n>`) calls `hit(id, i)` whose first
//! instruction is a locked rip-relative add (run out of line, relocated); `conds` (built -O0) starts `tick` with
//! a frame-pointer prologue (emulated). Conditions here name `$tid`, which only the engine knows, so they are
//! decided at a stop: a condition on registers and memory alone would run inside the debuggee instead (see
//! `compiled_conditions.rs`), and no int3 would be stepped off at all.

use std::time::Duration;

use rdb_testkit::prelude::*;

/// Thousands of breakpoint passes: on two busy cores they take far longer than the usual run.
const HOT_TIMEOUT: Duration = Duration::from_secs(120);

fn hot() -> String {
    s(&debuggee("hot")).to_string()
}

#[test]
fn a_never_true_condition_over_20000_calls_runs_to_the_end() {
    let run = rdb_raw(
        &[&hot(), "1", "20000"],
        &format!("bp /w \"@rsi == 0xffffffff && $tid\" hot!hit\ng\n{}\nbl\nq\n", mark("bl")),
        HOT_TIMEOUT,
    );
    run.assert_contains("calls=20000 thousands=20").assert_matches(&exit_code_re(0));
    run.assert_not_contains("Breakpoint 0 hit");
    run.section("bl").assert_matches(r#"(?m)^ 0 e .* hot!hit /w "@rsi == 0xffffffff && \$tid" hits=0$"#);
}

#[test]
fn an_emulated_prologue_runs_a_never_true_condition_to_the_end() {
    let conds = s(&debuggee("conds")).to_string();
    let run = rdb_raw(&[&conds, "20000"], "bp /w \"@rdi == 0xffffffff && $tid\" conds!tick\ng\nbl\nq\n", HOT_TIMEOUT);
    run.assert_contains("total=199990000 counter=20000").assert_matches(&exit_code_re(0));
    run.assert_matches(r#"(?m)^ 0 e .* conds!tick /w "@rdi == 0xffffffff && \$tid" hits=0$"#);
}

#[test]
fn the_site_reads_as_the_original_code_and_passes_count_right() {
    let run = rdb_raw(
        &[&hot(), "1", "20000"],
        &format!(
            "bp /w \"@rsi >= 0n19990 && $tid\" hot!hit 5\ng\n{}\nr rsi\nu hot!hit L1\ndb hot!hit L1\nbl\nk\nbc 0\n{}\ng\nq\n",
            mark("hit"),
            mark("end")
        ),
        HOT_TIMEOUT,
    );
    let hit = run.section("hit");
    hit.assert_matches(r"(?m)^rsi=0000000000004e1a$");
    hit.assert_matches(r"(?m)^[0-9a-f`]+ f048830[0-9a-f]+ +lock add +qword ptr \[hot!calls \(");
    hit.assert_not_contains("int     3");
    hit.assert_matches(r"(?m)^[0-9a-f`]+  f0 ");
    hit.assert_matches(r#"(?m)^ 0 e .* hot!hit /w "@rsi >= 0n19990 && \$tid" hits=5$"#);
    assert!(hit.frames().first().is_some_and(|f| f.is("hot!hit")), "{}", run.dump());
    run.section("end").assert_contains("calls=20000 thousands=20").assert_matches(&exit_code_re(0));
}

#[test]
fn four_threads_on_one_conditional_breakpoint_count_every_true_hit_once() {
    // Decided at a stop, then inside the debuggee: threads found in its code at a stop are put back right.
    for condition in ["(@rsi % 0n1000) == 0 && $tid", "(@rsi % 0n1000) == 0"] {
        let run = rdb_raw(
            // 4 threads × 6000 calls: every pass is a stop of all four threads, so on two busy cores this is kept
            // well inside the harness's timeout.
            &[&hot(), "4", "6000"],
            &format!("bp /w \"{condition}\" hot!hit \"gc\"\ng\n{}\nbl\nq\n", mark("bl")),
            HOT_TIMEOUT,
        );
        run.assert_contains("calls=24000 thousands=24").assert_matches(&exit_code_re(0));
        assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 24, "{condition}: one stop per true hit\n{}", run.dump());
        run.section("bl").assert_matches(r#"(?m)hits=24 "gc"$"#);
    }
}

#[test]
fn detach_mid_loop_leaves_the_code_as_in_the_file() {
    // Threads stepping off the int3 (the engine decides) or inside the condition's own code (the debuggee does).
    detach_mid_loop("@rsi == 0xffffffff && $tid");
    detach_mid_loop("@rsi == 0xffffffff");
}

fn detach_mid_loop(condition: &str) {
    let mut target = spawn_debuggee("hot", &["4", "4000000000"]);
    let pid = target.pid.to_string();
    let mut session = RdbSession::start(&["-p", &pid]);
    session.send(&format!("bp /w \"{condition}\" hot!hit"));
    session.send(&mark("running"));
    session.send("g");
    session.expect(r"(?m)^==running==$");
    std::thread::sleep(Duration::from_millis(500));
    session.signal(libc::SIGINT);
    session.expect_count(r"Break instruction exception - code 80000003 \(first chance\)", 2);
    session.send(&mark("threads"));
    session.send("~*k");
    session.send(".detach");
    session.expect(r"(?m)^Detached$");
    session.send("q");
    let run = session.finish();
    // No thread is shown inside engine-written code: every frame 0 is in hot or libc.
    let threads = run.section("threads");
    let lines: Vec<&str> = threads.text.lines().collect();
    let first_frames: Vec<&str> =
        lines.iter().zip(lines.iter().skip(1)).filter(|(h, _)| h.starts_with("Child-SP")).map(|(_, f)| *f).collect();
    assert!(first_frames.len() >= 4, "a stack for each thread\n{}", run.dump());
    for frame in first_frames {
        assert!(frame.contains("hot!") || frame.contains("libc!"), "frame 0 in engine code: {frame}\n{}", run.dump());
    }
    assert!(target.exited().is_none(), "the process survived the detach");
    assert_text_clean(target.pid, &target.exe);
    assert!(wait_until(Duration::from_secs(5), || tracer_pid(target.pid) == Some(0)), "untraced");
    let before = read_global_u64(target.pid, &target.exe, "calls");
    let advanced = wait_until(Duration::from_secs(5), || read_global_u64(target.pid, &target.exe, "calls") > before);
    assert!(advanced, "the loop runs on after the detach");
    assert!(target.exited().is_none(), "and does not crash");
}
