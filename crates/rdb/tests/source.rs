//! Source lines with the `lines` debuggee (main → leaf, the recursive fact, sum_to's for loop, printf through the
//! PLT) and `opt` (gcc -O2): source mode (`l+t`: `t`, `p` and `gu` by line, compared with gdb's `step` and `next`
//! where gdb is installed), the source shown at stops (`l+s`, `.lines`), `ls`, `lsa`, `lsp`, `.srcpath`, a source
//! file that is not found, and the line a breakpoint on a line reports (`opt`'s lines have several rows).

use std::process::Command;

use rdb_testkit::prelude::*;

fn line(marker: &str) -> u32 {
    line_of("lines.c", marker)
}

/// The lines of the stop locations (`module!symbol+0x.. [file @ line]:`) in `text`, in order, each with whether
/// the stop is at a function's first instruction (no `+0x` offset).
fn stops(text: &str) -> Vec<(u32, bool)> {
    let rx = regex::Regex::new(r"(?m)^\w+!\w+(\+0x[0-9a-f]+)? \[[^\]]+ @ (\d+)\]:$").unwrap();
    rx.captures_iter(text).map(|c| (c[2].parse().unwrap(), c.get(1).is_none())).collect()
}

fn stop_lines(text: &str) -> Vec<u32> {
    stops(text).into_iter().map(|(l, _)| l).collect()
}

#[test]
fn p_in_source_mode_steps_over_calls_line_by_line() {
    let lines = debuggee("lines");
    let run = rdb(&[s(&lines)], &format!("l+t\nbp lines!main\ng\n{}\np\np\np\np\np\nq\n", mark("p")));
    let got = stop_lines(run.section("p").text);
    let want: Vec<u32> =
        ["main-first", "main-fact", "main-sum", "main-print", "main-ret"].iter().map(|m| line(m)).collect();
    assert_eq!(got, want, "{}", run.dump());
}

#[test]
fn t_in_source_mode_enters_functions_with_lines_through_the_plt() {
    let lines = debuggee("lines");
    let run = rdb(
        &[s(&lines)],
        &format!(
            "l+t\nbp `lines.c:{}`\ng\n{}\nt\nt\nt\nt\n{}\nbc *\nbp `lines.c:{}`\ng\n{}\nt\nq\n",
            line("main-first"),
            mark("t"),
            mark("end"),
            line("main-print"),
            mark("plt")
        ),
    );
    let got = stops(run.section("t").text);
    let want = vec![
        (line("leaf-open"), true),
        (line("leaf-body"), false),
        (line("leaf-end"), false),
        (line("main-fact"), false),
    ];
    assert_eq!(
        got,
        want,
        "t stops at the callee's first instruction, then returns to the caller's next line\n{}",
        run.dump()
    );
    // printf is called through the PLT (not bound yet: the loader binds it at this first call). The stub has no
    // line, but printf does where libc's debug information is installed (setup.sh installs it): t steps through
    // the stub into printf, as gdb's step does; without it, t runs printf to its return and goes on to the next
    // line.
    let plt = run.section("plt");
    if plt.text.contains("libc!printf [") {
        plt.assert_matches(r"(?m)^libc!printf \[\S*printf\.c @ \d+\]:$");
    } else {
        assert_eq!(stop_lines(plt.text), [line("main-ret")], "{}", run.dump());
    }
}

#[test]
fn t_into_a_library_with_lines_goes_where_gdbs_step_goes() {
    // The same printf call, compared with gdb's `step` where gdb is installed: both stop in printf (libc's lines
    // installed) or both on the next line of main.
    if Command::new("gdb").arg("--version").output().is_err() {
        return;
    }
    let lines = debuggee("lines");
    let at = line("main-print");
    let out = Command::new("gdb")
        .args(["-batch", "-nx", "-ex", &format!("break lines.c:{at}"), "-ex", "run", "-ex", "step", "-ex", "p $pc"])
        .arg(s(&lines))
        .output()
        .unwrap();
    let gdb = String::from_utf8_lossy(&out.stdout).into_owned();
    let gdb_in_printf = gdb.lines().any(|l| l.contains("printf (") && l.contains(" at "));
    let run = rdb(
        &[s(&lines)],
        &format!(
            "l+t
bp `lines.c:{at}`
g
{}
t
q
",
            mark("t")
        ),
    );
    let rdb_in_printf = run.section("t").text.contains("libc!printf [");
    assert_eq!(rdb_in_printf, gdb_in_printf, "gdb:\n{gdb}\n{}", run.dump());
}

#[test]
fn p_over_a_recursive_call_stops_in_the_same_activation() {
    let lines = debuggee("lines");
    // At the first hit n is 3; p over fact(2) must not stop in an inner activation on its way.
    let run = rdb(&[s(&lines)], &format!("l+t\nbp `lines.c:{}`\ng\nbc *\n{}\np\ndv\nq\n", line("fact-rec"), mark("p")));
    let p = run.section("p");
    assert_eq!(stop_lines(p.text), [line("fact-end")], "{}", run.dump());
    p.assert_matches(r"(?m)^ +n = 0n3$");
}

#[test]
fn gu_in_source_mode_returns_to_the_line_after_the_call() {
    let lines = debuggee("lines");
    let run = rdb(&[s(&lines)], &format!("l+t\nbp lines!leaf\ng\n{}\ngu\nq\n", mark("gu")));
    // `int a = leaf(3);` has code left after the call (the store to a): gu goes on to the next line's start.
    assert_eq!(stop_lines(run.section("gu").text), [line("main-fact")], "{}", run.dump());
}

#[test]
fn gu_in_source_mode_from_a_library_function_finishes_the_callers_line() {
    // printf is libc's (with or without its debug information installed): gu returns into the middle of the
    // printf line and goes on to the next line.
    let lines = debuggee("lines");
    let run = rdb(&[s(&lines)], &format!("l+t\nbp libc!printf\ng\n{}\ngu\nq\n", mark("gu")));
    assert_eq!(stop_lines(run.section("gu").text), [line("main-ret")], "{}", run.dump());
}

#[test]
fn a_for_loop_header_is_a_line_with_several_statements() {
    let lines = debuggee("lines");
    let run =
        rdb(&[s(&lines)], &format!("l+t\nbp `lines.c:{}`\ng\n{}\np\np\np\np\np\np\nq\n", line("sum-first"), mark("p")));
    let want: Vec<u32> = ["for", "loop-body", "for", "loop-body", "for", "sum-ret"].iter().map(|m| line(m)).collect();
    assert_eq!(stop_lines(run.section("p").text), want, "{}", run.dump());
}

#[test]
fn an_empty_line_repeats_the_last_step() {
    let lines = debuggee("lines");
    let run = rdb(&[s(&lines)], &format!("l+t\nbp lines!main\ng\n{}\np\n\n\nq\n", mark("p")));
    let want: Vec<u32> = ["main-first", "main-fact", "main-sum"].iter().map(|m| line(m)).collect();
    assert_eq!(stop_lines(run.section("p").text), want, "{}", run.dump());
}

#[test]
fn source_options_are_listed_and_stops_show_the_source_line() {
    let lines = debuggee("lines");
    let run = rdb(
        &[s(&lines)],
        &format!(
            "{}\nl+ts\n{}\nbp lines!main\ng\n{}\nl-*\n.lines\n{}\np\nq\n",
            mark("opts"),
            mark("stop"),
            mark("off"),
            mark("lines")
        ),
    );
    run.section("opts").assert_contains(
        "Source options are 5:\n     1/t - Step/trace by source line\n     4/s - List source code at prompt\n",
    );
    let stop = run.section("stop");
    let text = format!(">{:>5}: {{ /* @main-open */\nrax=", line("main-open"));
    stop.assert_contains(&text);
    stop.assert_matches(&format!(r"(?m)^lines!main \[\S+lines\.c @ {}\]:$", line("main-open")));
    run.section("off").assert_contains("Source options are 0:\nLine number information will be loaded\n");
    // .lines alone: instruction steps, locations with their line, no source text.
    let after = run.section("lines");
    after.assert_matches(&format!(r"(?m)^lines!main\+0x1 \[\S+lines\.c @ {}\]:$", line("main-open")));
    after.assert_not_contains(">");
}

#[test]
fn ls_lsa_and_lsp_list_source_lines() {
    let lines = debuggee("lines");
    let run = rdb(
        &[s(&lines)],
        &format!(
            "{}\nls\nbp lines!fact\ng\n{}\nls\n{}\nlsa .\n{}\nls\n{}\nls 0n1, 2\n{}\nlsp -a 3\nlsa lines!leaf\n{}\nlsp\n{}\nlsa 0\nls 0n9999\nls 1, 0\nlsp 0\nlsa\n.echo alive\nq\n",
            mark("none"),
            mark("ls-stop"),
            mark("lsa"),
            mark("ls"),
            mark("first"),
            mark("lsp"),
            mark("show"),
            mark("errors")
        ),
    );
    run.section("none").assert_matches(r"(?m)^\^ no current source file: .* in 'ls'$");
    let open = line("fact-open");
    let around = format!("    {}: int fact(int n)\n>{:>5}: {{ /* @fact-open */\n", open - 1, open);
    // After a stop, ls lists around the current line (no source option needed), as lsa . does.
    for name in ["ls-stop", "lsa"] {
        let section = run.section(name);
        section.assert_contains(&around);
        assert_eq!(section.count(r"(?m)^[ >] *\d+: "), 10, "{name}\n{}", run.dump());
    }
    // ls goes on where lsa ended.
    run.section("ls").assert_contains(&format!("{:>6}: ", open + 6));
    run.section("first").assert_contains("     1: /* lines: source-mode stepping").assert_count(r"(?m)^ +\d+: ", 2);
    let lsp = run.section("lsp");
    lsp.assert_contains("ls and lsa display 0n1 lines before and 0n2 from the current one\n");
    lsp.assert_contains(&format!(">{:>5}: {{ /* @leaf-open */\n", line("leaf-open")));
    assert_eq!(lsp.count(r"(?m)^[ >] *\d+: "), 3, "{}", run.dump());
    run.section("show").assert_contains(
        "At the prompt (l+s), display 0n0 lines before and 0n1 from the current one\nls and lsa display 0n1 lines before and 0n2 from the current one\n",
    );
    let errors = run.section("errors");
    errors.assert_matches(r"(?m)^\^ No line information for 00000000`00000000 in 'lsa 0'$");
    errors.assert_matches(r"(?m)^\^ \S+lines\.c has no line 0n9999 in 'ls 0n9999'$");
    errors.assert_matches(r"(?m)^\^ the count must be from 1 to 0n1000, not 0n0 in 'ls 1, 0'$");
    errors.assert_matches(r"(?m)^\^ the number of lines must be from 1 to 0n1000, not 0n0 in 'lsp 0'$");
    errors
        .assert_matches(r"(?m)^\^ Syntax error at '<EOL>': lsa takes an address, or \. for the current one in 'lsa'$");
    errors.assert_contains("alive");
}

#[test]
fn lsa_dot_lists_the_current_frames_line() {
    let lines = debuggee("lines");
    let run = rdb(&[s(&lines)], &format!("bp lines!leaf\ng\n.frame 1\n{}\nlsa .\nq\n", mark("lsa")));
    run.section("lsa").assert_contains(&format!(">{:>5}:     int a = leaf(3);", line("main-first")));
}

#[test]
fn bad_source_options_are_one_line_each() {
    let lines = debuggee("lines");
    let run = rdb(&[s(&lines)], &format!("{}\nl+q\nl*\nl+\n.lines -x\nl日本\n.echo alive\nq\n", mark("errors")));
    let errors = run.section("errors");
    errors.assert_matches(r"(?m)^\^ Syntax error at 'q': source options are t, l, s and \* in 'l\+q'$");
    errors.assert_matches(r"(?m)^\^ Syntax error at '\*': l\+ or l- and option letters \(t, l, s\) in 'l\*'$");
    errors.assert_matches(r"(?m)^\^ Syntax error at '\+': which options\? \(t, l, s or \*\) in 'l\+'$");
    errors.assert_matches(r"(?m)^\^ Syntax error at '-x': \.lines takes -e, -d or -t in '\.lines -x'$");
    // A letter of more than one byte once split the argument inside it (a panic the fuzz test found).
    errors.assert_matches(r"(?m)^\^ Syntax error at '日本': l\+ or l- and option letters \(t, l, s\) in 'l日本'$");
    errors.assert_contains("alive");
}

/// `lines` built in `<scratch>/build`, its source then moved to `<scratch>/<to>`: the DWARF path names nothing.
/// Returns the scratch directory, the build directory and where the source went.
fn built_then_moved(scratch: &str, to: &str) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch_dir(scratch);
    let build = dir.join("build");
    let moved = dir.join(to);
    std::fs::create_dir_all(&build).unwrap();
    std::fs::create_dir_all(&moved).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/debuggees/lines.c");
    std::fs::copy(&src, build.join("lines.c")).unwrap();
    let status = Command::new("gcc")
        .args(["-g", "-O0", "-fno-omit-frame-pointer", "-o", "lines", "lines.c"])
        .current_dir(&build)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::rename(build.join("lines.c"), moved.join("lines.c")).unwrap();
    (dir, build, moved)
}

#[test]
fn a_source_file_not_found_is_one_line_naming_the_path_tried() {
    // Built in a directory of its own, whose source then moves away: the DWARF path names nothing.
    let (dir, build, _) = built_then_moved("moved-source", "elsewhere");
    let program = build.join("lines");
    let run = rdb(
        &[s(&program)],
        &format!(
            "l+s\nbp lines!main\ng\n{}\n.srcpath\n.srcpath /nonexistent;{}\n{}\np\nls\n.srcpath\nq\n",
            mark("missing"),
            s(&dir),
            mark("found")
        ),
    );
    run.out().assert_contains(&format!("Source file {}/lines.c not found (no .srcpath to look in)\nrax=", s(&build)));
    let missing = run.section("missing");
    missing.assert_contains("Source search path is: <empty>\n");
    missing.assert_contains(&format!("Source search path is: /nonexistent;{}\n", s(&dir)));
    // The file is at <dir>/elsewhere/lines.c: no tail of its path under <dir> names it.
    let found = run.section("found");
    let tried = format!(
        "Source file {}/lines.c not found (nor under the .srcpath directories /nonexistent;{})",
        s(&build),
        s(&dir)
    );
    found.assert_contains(&format!("{tried}\nrax="));
    found.assert_contains(&format!("^ {tried} in 'ls'\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn srcpath_finds_a_moved_source_by_its_tail() {
    let (dir, build, moved) = built_then_moved("srcpath-tail", "moved");
    let run = rdb(
        &[s(&build.join("lines"))],
        &format!(".srcpath {}\nl+s\nbp lines!main\n{}\ng\nq\n", s(&moved), mark("stop")),
    );
    run.section("stop").assert_contains(&format!(">{:>5}: {{ /* @main-open */\n", line("main-open")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_breakpoint_on_a_line_of_optimised_code_reports_that_line() {
    // In opt's -O2 code the first address of the @even line also starts a row of the loop header's line that is
    // no statement: the line reported is the statement's, in the stop and in k, as gdb reports it.
    let opt = debuggee("opt");
    for marker in ["even", "call", "odd-add"] {
        let n = line_of("opt.c", marker);
        let run = rdb(&[s(&opt)], &format!(".lines\nbp `opt.c:{n}`\n{}\ng\nk\nq\n", mark("hit")));
        let hit = run.section("hit");
        let stop = hit.assert_matches(r"(?m)^opt!\w+\+0x[0-9a-f]+ \[\S+opt\.c @ (\d+)\]:$");
        assert_eq!(stop[1], n.to_string(), "@{marker}\n{}", run.dump());
        let frames = hit.frames();
        assert_eq!(frames[0].line, Some(n), "@{marker}\n{}", run.dump());
    }
}

/// gdb's `next` or `step` from a breakpoint (`lines.c:28`, `*checksum`), `count` times: the lines it stops at, in
/// order, the breakpoint's first (each stop prints its line as `<n>\t<text>`). `None` when gdb is not installed or
/// runs nothing.
fn gdb_lines(program: &str, start: &str, command: &str, count: usize) -> Option<Vec<u32>> {
    let mut args = vec!["-batch".to_string(), "-nx".to_string()];
    for c in [format!("break {start}"), "run".to_string()] {
        args.extend(["-ex".to_string(), c]);
    }
    for _ in 0..count {
        args.extend(["-ex".to_string(), command.to_string()]);
    }
    args.push(program.to_string());
    let out = Command::new("gdb").args(&args).stdin(std::process::Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rx = regex::Regex::new(r"(?m)^(\d+)\t").unwrap();
    let lines: Vec<u32> = rx.captures_iter(&text).map(|c| c[1].parse().unwrap()).collect();
    // A gdb that cannot run the program here (no ptrace for it) has nothing to compare with either.
    (!lines.is_empty()).then_some(lines)
}

/// The lines before the first `end`.
fn until(lines: &[u32], end: u32) -> Vec<u32> {
    lines.iter().copied().take_while(|&l| l != end).collect()
}

#[test]
fn source_steps_follow_gdbs_lines() {
    let lines = debuggee("lines");
    let (start, end) = (line("main-first"), line("main-print"));
    let Some(gdb_next) = gdb_lines(s(&lines), &format!("lines.c:{start}"), "next", 6) else {
        eprintln!("gdb is not installed (or cannot run the program): nothing to compare with");
        return;
    };
    let gdb_step = gdb_lines(s(&lines), &format!("lines.c:{start}"), "step", 40).unwrap();
    // rdb runs its steps up to a breakpoint on `end` (a count stops at a breakpoint).
    let script = |command: &str| {
        format!("l+t\nbp `lines.c:{start}`\ng\nbc *\nbp `lines.c:{end}`\n{}\n{command} 0n100\nq\n", mark("steps"))
    };
    let run = rdb(&[s(&lines)], &script("p"));
    let mut rdb_next = vec![start];
    rdb_next.extend(stop_lines(run.section("steps").text));
    assert_eq!(until(&rdb_next, end), until(&gdb_next, end), "p and gdb's next\n{}", run.dump());
    let run = rdb(&[s(&lines)], &script("t"));
    // rdb's t stops at a function's first instruction (WinDbg's `{` line), where gdb's step goes on past the
    // prologue: those stops aside, the lines are gdb's.
    let mut rdb_step = vec![start];
    rdb_step.extend(stops(run.section("steps").text).into_iter().filter(|(_, entry)| !entry).map(|(l, _)| l));
    assert_eq!(until(&rdb_step, end), until(&gdb_step, end), "t and gdb's step\n{}", run.dump());
    assert!(until(&rdb_step, end).len() > 20, "the recursion and the loop were stepped through\n{}", run.dump());
}

#[test]
fn source_text_and_names_with_control_characters_are_printed_escaped() {
    // A program's source is its author's text: a line holding an ESC sequence, a bell and a carriage return that
    // would forge a line of rdb's own reaches the terminal escaped, in l+s and in ls.
    let dir = scratch_dir("hostile-source");
    let source = "int main(void)\n{\n    return 0; /* \x1b[2J\x07\rBreakpoint 9 hit */\n}\n";
    std::fs::write(dir.join("evil.c"), source).unwrap();
    let status = Command::new("gcc").args(["-g", "-O0", "-o", "evil", "evil.c"]).current_dir(&dir).status().unwrap();
    assert!(status.success());
    let run = rdb(&[s(&dir.join("evil"))], &format!("l+ts\nbp evil!main\ng\np\n{}\nlsa .\nq\n", mark("ls")));
    assert!(!run.stdout.contains('\x1b') && !run.stdout.contains('\x07'), "{}", run.dump());
    let escaped = r">    3:     return 0; /* \x1b[2J\x07\rBreakpoint 9 hit */";
    assert_eq!(run.stdout.matches(escaped).count(), 2, "l+s and lsa\n{}", run.dump());
    run.assert_printable("Breakpoint 9 hit", 0);
    // A source file named with an ESC sequence and a newline (ctlnames' #line) is named escaped when missing.
    let ctl = debuggee("ctlnames");
    let run = rdb(&[s(&ctl)], &format!("l+ts\nbp ctlnames!main\n{}\ng\nq\n", mark("stop")));
    let stop = run.section("stop");
    stop.assert_contains(r"Source file ");
    stop.assert_contains(r"ctl\x1b[2J\nBreakpoint 0 hit.c not found (no .srcpath to look in)");
    stop.assert_matches(r"(?m)^ctlnames!main(\+0x[0-9a-f]+)? \[\S*ctl\\x1b\[2J\\nBreakpoint 0 hit\.c @ \d+\]:$");
    run.assert_printable("Breakpoint 0 hit", 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn source_steps_in_optimised_code_follow_gdbs_lines() {
    // checksum's -O2 loop: rows of the loop header that are no statements, rows of one line at several places,
    // lines entered out of order. From its first instruction, 30 `p`s stop where 30 of gdb's `next`s do.
    let opt = debuggee("opt");
    let Some(gdb) = gdb_lines(s(&opt), "*checksum", "next", 30) else {
        eprintln!("gdb is not installed (or cannot run the program): nothing to compare with");
        return;
    };
    let run = rdb(&[s(&opt)], &format!("l+t\nbp opt!checksum\n{}\ng\np 0n30\nq\n", mark("steps")));
    let rx = regex::Regex::new(r"(?m)^opt!\w+(\+0x[0-9a-f]+)? \[\S+opt\.c @ (\d+)\]:$").unwrap();
    let got: Vec<u32> = rx.captures_iter(run.section("steps").text).map(|c| c[2].parse().unwrap()).collect();
    assert_eq!(got.len(), 31, "{}", run.dump());
    assert_eq!(got, gdb, "{}", run.dump());
}
