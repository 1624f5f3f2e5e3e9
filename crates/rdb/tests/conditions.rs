//! Conditions and actions on breakpoints: `bp /w "<expr>"` decided in the engine (a false hit is never seen),
//! evaluation errors that stop with a note, conditions refused when set, `bl`'s ` /w "..."`, and `j`, `.if/.else`
//! and `gc` in breakpoint commands. The debuggee `conds` calls `tick(i)` for i = 0..n-1 (argument in rdi).

use rdb_testkit::prelude::*;

fn conds() -> String {
    s(&debuggee("conds")).to_string()
}

#[test]
fn a_register_condition_stops_exactly_once_with_the_right_value() {
    let exe = conds();
    for condition in ["@rdi == 7", "@edi == 7", "rdi == 7 && poi(conds!counter) == 7"] {
        let run = rdb(
            &[&exe],
            &format!("bp /w \"{condition}\" conds!tick\ng\n{}\nr rdi\n{}\ng\nq\n", mark("hit"), mark("end")),
        );
        run.assert_matches(&bp_hit_re(0, "conds!tick"));
        assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 1, "{condition}: one stop\n{}", run.dump());
        run.section("hit").assert_matches(r"(?m)^rdi=0000000000000007$");
        run.section("end").assert_contains("total=45 counter=10").assert_matches(&exit_code_re(0));
    }
}

#[test]
fn a_memory_condition_and_bl_shows_it() {
    let exe = conds();
    let run = rdb(
        &[&exe],
        &format!("bp /w \"poi(conds!counter) > 3\" conds!tick\ng\n{}\nr rdi\nbl\nbc *\ng\nq\n", mark("hit")),
    );
    let hit = run.section("hit");
    hit.assert_matches(r"(?m)^rdi=0000000000000004$");
    hit.assert_matches(&format!(
        r#"(?m)^ 0 e Disable Clear  {ADDR} +0001 \(0001\)  0:\*\*\*\* conds!tick /w "poi\(conds!counter\) > 3" \(in-process\) hits=1$"#
    ));
    run.assert_contains("total=45 counter=10");
}

#[test]
fn pass_counts_count_only_true_hits() {
    let exe = conds();
    // Odd arguments only; the third odd one is 5.
    let run = rdb(&[&exe], &format!("bp /w \"@rdi & 1\" conds!tick 3\ng\n{}\nr rdi\nq\n", mark("hit")));
    run.section("hit").assert_matches(r"(?m)^rdi=0000000000000005$");
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 1, "{}", run.dump());
}

#[test]
fn a_condition_that_cannot_be_right_is_refused_with_one_line() {
    let exe = conds();
    let run = rdb(
        &[&exe],
        &format!(
            "{}\nbp /w \"poi(conds!nosuch) > 3\" conds!tick\nbp /w \"@rdi ==\" conds!tick\nbp /w \"@bogus\" conds!tick\n\
             bp /w @rdi conds!tick\nbp /x \"1\" conds!tick\n{}\nbl\ng\nq\n",
            mark("set"),
            mark("bl")
        ),
    );
    let set = run.section("set");
    set.assert_matches(
        r#"(?m)^\^ Bad condition: Couldn't resolve error at 'conds!nosuch' in 'bp /w "poi\(conds!nosuch\) > 3" conds!tick'$"#,
    );
    set.assert_matches(r#"(?m)^\^ Bad condition: Syntax error at '<EOL>' in 'bp /w "@rdi ==" conds!tick'$"#);
    set.assert_matches(r#"(?m)^\^ Bad condition: Bad register error at '@bogus' in 'bp /w "@bogus" conds!tick'$"#);
    set.assert_matches(r"(?m)^\^ Syntax error: /w takes a quoted condition: .* in 'bp /w @rdi conds!tick'$");
    set.assert_matches(r#"(?m)^\^ Unknown breakpoint option '/x' .* in 'bp /x "1" conds!tick'$"#);
    assert_eq!(set.count(r"(?m)^\^ "), 5, "one line each\n{}", run.dump());
    run.section("bl").assert_not_contains("conds!tick").assert_not_contains("Breakpoint 0 hit");
    run.assert_contains("total=45 counter=10");
}

#[test]
fn a_condition_that_fails_to_evaluate_stops_with_a_note() {
    let exe = conds();
    // rdi is a small number: poi(@rdi) reads the unmapped page at 0.
    let run = rdb(&[&exe], &format!("bp /w \"poi(@rdi) == 1\" conds!tick\ng\n{}\nr rdi\nq\n", mark("hit")));
    run.assert_matches(&format!(
        r"(?m)^Error in testing condition for breakpoint 0: Memory access error at {ADDR}\nBreakpoint 0 hit$"
    ));
    run.section("hit").assert_matches(r"(?m)^rdi=0000000000000000$");
}

#[test]
fn a_thousand_false_hits_run_to_the_exit_without_a_word() {
    let exe = conds();
    let run = rdb(
        &[&exe, "1000"],
        &format!("bp /w \"@rdi == 0n5000\" conds!tick\n{}\ng\n{}\nbl\nq\n", mark("go"), mark("bl")),
    );
    let go = run.section("go");
    go.assert_contains("total=499500 counter=1000").assert_matches(&exit_code_re(0));
    let words: Vec<&str> =
        go.text.lines().filter(|l| !l.contains("total=499500") && !l.contains("Exit process")).collect();
    assert!(words.is_empty(), "nothing but the exit: {words:?}\n{}", run.dump());
    run.section("bl").assert_matches(r"(?m)conds!tick /w .* hits=0$");
}

#[test]
fn j_in_breakpoint_commands() {
    let exe = conds();
    let run = rdb(
        &[&exe],
        &format!(
            "bp conds!tick \"j (@rdi == 5) '.echo five; r rdi'; 'gc'\"\ng\n{}\nr rdi\nbc *\ng\nq\n",
            mark("after")
        ),
    );
    assert_eq!(run.count(r"(?m)^five$"), 1, "{}", run.dump());
    run.assert_matches(r"(?m)^five\nrdi=0000000000000005$");
    run.section("after").assert_matches(r"(?m)^rdi=0000000000000005$");
    run.assert_contains("total=45 counter=10");
}

#[test]
fn if_else_in_breakpoint_commands_and_at_the_prompt() {
    let exe = conds();
    let run = rdb(
        &[&exe],
        &format!(
            "bp conds!tick \".if (@rdi == 3) {{.echo three; r rdi}} .elsif (@rdi == 0n20) {{.echo never}} .else {{gc}}\"\n\
             g\n{}\n.if (@rdi != 3) {{.echo wrong}} .else {{.echo right; .echo again}}\nj @rdi == 3 .echo yes ; .echo no\n\
             .else {{r}}\nbc *\ng\nq\n",
            mark("after")
        ),
    );
    assert_eq!(run.count(r"(?m)^three$"), 1, "{}", run.dump());
    run.assert_not_contains("never");
    run.assert_matches(r"(?m)^three\nrdi=0000000000000003$");
    let after = run.section("after");
    after.assert_matches(r"(?m)^right\nagain\nyes$");
    after.assert_not_contains("wrong").assert_not_contains("\nno\n");
    after.assert_matches(r"(?m)^\^ Syntax error: \.else and \.elsif follow an \.if block.* in '\.else \{r\}'$");
    run.assert_contains("total=45 counter=10");
}

#[test]
fn gc_after_a_breakpoint_hit_during_p_finishes_the_step() {
    let steps = debuggee("steps");
    // At mid's entry, pc runs to the call of leaf; p over it hits leaf's breakpoint, whose gc carries on with the
    // p: the stop is back in mid after the call, not the end of the program.
    let run = rdb(
        &[s(&steps)],
        &format!("bp steps!mid\ng\nbp steps!leaf \"gc\"\npc\n{}\np\n{}\nk\nq\n", mark("p"), mark("k")),
    );
    let p = run.section("p");
    p.assert_matches(&bp_hit_re(1, "steps!leaf"));
    p.assert_matches(&stop_re(r"steps!mid\+0x[0-9a-f]+"));
    p.assert_not_matches(r"Exit process");
    run.section("k").assert_frames_start_with(&["steps!mid", "steps!main"]);
}

#[test]
fn a_condition_on_a_hardware_breakpoint() {
    let exe = conds();
    let run = rdb(
        &[&exe],
        &format!(
            "ba /w \"poi(conds!counter) == 3\" w8 conds!counter\ng\n{}\n? poi(conds!counter)\nbc *\ng\nq\n",
            mark("hit")
        ),
    );
    assert_eq!(run.count(r"(?m)^Breakpoint 0 hit$"), 1, "{}", run.dump());
    assert_eq!(run.section("hit").evaluation(), 3);
    run.assert_contains("total=45 counter=10");
}
