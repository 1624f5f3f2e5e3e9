//! The launched program's standard streams redirected among its arguments (`prog '<' in.txt '>' out.txt`), kept by
//! `.restart`, a literal `<` passed quoted; the same scenario on both backends. (`--tty` is in `terminal.rs`.)

use rdb_testkit::prelude::*;

on_both_backends!(redirections_feed_the_debuggee_and_take_its_output, a_redirection_that_cannot_open_is_one_line);

fn redirections_feed_the_debuggee_and_take_its_output(b: Backend) {
    let dir = scratch_dir(&format!("redirect-{b:?}"));
    let (input, output, errors) = (dir.join("in.txt"), dir.join("out.txt"), dir.join("err.txt"));
    std::fs::write(&input, "one\ntwo\n").unwrap();
    let [i, o, e] = [&input, &output, &errors].map(|p| b.path_arg(p));
    let program = b.path_arg(&b.debuggee("echoes"));
    let run = b.rdb(&[&program, "<", &i, &format!(">{o}"), "2>>", &e], "bp echoes!heard\ng\ng\ng\n.restart\ng\nq\n");
    run.assert_contains(&format!(" < {i} > {o} 2>> {e}\n"));
    run.assert_matches(&bp_hit_re(0, "echoes!heard"));
    run.assert_matches(&exit_code_re(2));
    run.assert_not_contains("heard: one");
    assert_eq!(
        run.stdout.matches(&format!(" < {i} > {o} 2>> {e}\n")).count(),
        2,
        ".restart keeps them\n{}",
        run.dump()
    );
    // The restart emptied out.txt again and added to err.txt.
    let out = std::fs::read_to_string(&output).unwrap().replace('\r', "");
    assert_eq!(out, "say something\n", "the restart's run stopped as heard() began\n{}", run.dump());
    let err = std::fs::read_to_string(&errors).unwrap().replace('\r', "");
    assert_eq!(err, "lines: 2\n", "{}", run.dump());
}

fn a_redirection_that_cannot_open_is_one_line(b: Backend) {
    let program = b.path_arg(&b.debuggee("args"));
    let missing = b.path_arg(std::path::Path::new("/nonexistent/in.txt"));
    let run = b.rdb(&[&program, "<", &missing], "q\n");
    assert_eq!(run.status.code(), Some(1), "{}", run.dump());
    assert!(run.stderr.starts_with("rdb: cannot open '") && run.stderr.lines().count() == 1, "{}", run.dump());
    // Quoted, the operator is the program's argument.
    let literal = b.rdb(&[&program, "'<'", "x"], "g\nq\n");
    literal.assert_contains("arg 1 [<]");
    literal.assert_contains("arg 2 [x]");
}
