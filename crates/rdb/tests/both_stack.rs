//! Call stacks on both backends: `k`, `kn`, `kb` at hello!add (main -> outer -> middle -> add) with source lines
//! from DWARF, a leaf before its prologue, and unwinding through the C runtime (CFI on Linux, .pdata/.xdata on
//! Windows, no frame pointer there).

use rdb_testkit::prelude::*;

on_both_backends!(
    k_at_add_lists_add_middle_outer_main_with_lines,
    kn_and_kb_show_the_same_frames_from_rsp_up,
    k_in_a_leaf_before_and_after_its_prologue,
    k_unwinds_out_of_the_c_runtime,
    a_frame_count_over_the_limit_is_said,
);

/// hello stopped at `bp <at>`, then `commands`.
fn stopped_at(b: Backend, at: &str, commands: &str) -> RdbRun {
    b.launch("hello", &format!("bp {at}\ng\n{commands}\nq\n"))
}

fn k_at_add_lists_add_middle_outer_main_with_lines(b: Backend) {
    let run = stopped_at(b, "hello!add", &format!("{}\nk", mark("k")));
    let k = run.section("k");
    k.assert_matches(r"(?m)^ ?(?:# )?Child-SP +RetAddr +Call Site$");
    let frames = k.assert_frames_start_with(&["hello!add", "hello!middle", "hello!outer", "hello!main"]);
    let want = [
        line_of("hello.c", "add"),
        line_of("hello.c", "middle"),
        line_of("hello.c", "outer"),
        line_of("hello.c", "main-call"),
    ];
    for (frame, line) in frames.iter().zip(want) {
        let file = frame.file.as_deref().unwrap_or("");
        assert!(
            file.ends_with("hello.c") && frame.line == Some(line),
            "frame {frame:?} should be at hello.c @ {line}\n{}",
            run.dump()
        );
    }
    // main is called by the C runtime's start-up code; the walk goes no further than a few frames past it.
    let main = frames.iter().position(|f| f.is("hello!main")).unwrap();
    assert!(frames.len() - main <= 5, "{frames:#?}\n{}", run.dump());
}

fn kn_and_kb_show_the_same_frames_from_rsp_up(b: Backend) {
    let commands = format!(
        "{}\nkn\n{}\nkb\n{}\n? @rsp\n{}\n? hello!middle\n? hello!outer",
        mark("kn"),
        mark("kb"),
        mark("rsp"),
        mark("syms")
    );
    let run = stopped_at(b, "hello!add", &commands);
    let kn = run.section("kn");
    kn.assert_matches(r"(?m)^ # Child-SP +RetAddr +Call Site$");
    let rows = kn.all_matches(&format!(r"(?m)^([0-9a-f]{{2}}) ({ADDR}) ({ADDR}) "));
    assert!(rows.len() >= 4, "{}", run.dump());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(usize::from_str_radix(&row[1], 16).unwrap(), i, "frames are numbered in order\n{}", run.dump());
    }
    assert_eq!(addr(&rows[0][2]), run.section("rsp").evaluation(), "frame 0's Child-SP is rsp\n{}", run.dump());
    let syms = run.section("syms").evaluations();
    let ret = addr(&rows[0][3]);
    assert!(syms[0] < ret && ret < syms[1], "frame 0 returns into middle: {ret:#x}\n{}", run.dump());
    let sps: Vec<u64> = rows.iter().take(4).map(|r| addr(&r[2])).collect();
    assert!(sps.windows(2).all(|w| w[0] < w[1]), "Child-SP grows towards the caller: {sps:x?}\n{}", run.dump());
    let kn_sites: Vec<String> = kn.frames().into_iter().map(|f| f.site).collect();
    let kb_sites: Vec<String> = run.section("kb").frames().into_iter().map(|f| f.site).collect();
    assert_eq!(kb_sites, kn_sites, "kb shows the same call sites\n{}", run.dump());
}

fn k_in_a_leaf_before_and_after_its_prologue(b: Backend) {
    let run = b.launch(
        "steps",
        &format!("bp steps!leaf\ng\n{}\nk\nt\n{}\nk\nt\n{}\nk\nq\n", mark("entry"), mark("pushed"), mark("framed")),
    );
    for stage in ["entry", "pushed", "framed"] {
        run.section(stage).assert_frames_start_with(&["steps!leaf", "steps!mid", "steps!main"]);
    }
}

fn k_unwinds_out_of_the_c_runtime(b: Backend) {
    let run = stopped_at(b, &format!("{}!puts", b.crt()), &format!("{}\nk", mark("k")));
    let frames = run.section("k").frames();
    assert!(frames.len() >= 2, "{}", run.dump());
    assert!(
        frames[0].site.starts_with(&format!("{}!", b.crt())),
        "frame 0 is in the C runtime: {frames:?}\n{}",
        run.dump()
    );
    assert!(frames[1].is("hello!main"), "puts returns into main: {frames:?}\n{}", run.dump());
    assert_eq!(frames[1].line, Some(line_of("hello.c", "puts")), "{}", run.dump());
}

/// `kn 0x20000` asks for more frames than `k` shows: a line says so before the frames, which stop where the stack
/// does.
fn a_frame_count_over_the_limit_is_said(b: Backend) {
    let run = stopped_at(b, "hello!add", &format!("{}\nkn 0x20000\n{}\nkn 3", mark("big"), mark("small")));
    let big = run.section("big");
    big.assert_matches(r"(?m)\AFrame count 0x20000 is more than k shows: showing at most 0x10000 frames\n # Child-SP");
    big.assert_frames_start_with(&["hello!add", "hello!middle"]);
    run.section("small").assert_not_contains("Frame count");
}
