//! The command language over the in-memory process, as the `commands` fuzz target runs it, on a few thousand
//! generated lines from a fixed seed: no command may panic, and every failing command answers in one line
//! (`rdb_fuzzkit::commands::run` checks it after each command).

use rdb_fuzzkit::commands::{run, run_bytes};
use rdb_fuzzkit::rng::Rng;

const LINES: usize = 2500;

#[rustfmt::skip]
const COMMANDS: &[&str] = &[
    "db", "dw", "dd", "dq", "da", "du", "d", "u", "ub", "uf", "k", "kb", "kn", "r", "?", "s", "s -a", "s -d", "x",
    "ln", "lm", "~", "~*", "~1s", "~0k", ".ecxr", "!analyze -v", "bl", "bp", "bu", "bm", "ba w4", "ba r8", "bpm", "bc", "bd", "be", ".if",
    "j", ".echo", "g", "gc", "gh", "t", "p", "gu", "pc", "eb", "ed", "ea", "eu", ".exr", "!peb", "!teb", "sx", "sxe",
    "sxi", "|", "|0s", ".childdbg", ".detach", ".restart", ".attach", "q", ".help", ".else", "r rax=", "bp /w", "qd",
    "l+t", "l+s", "l-*", "l?", ".lines", "ls", "lsa", "lsa .", "lsp", "lsp -a", ".srcpath", ".srcpath+", "zz",
];

#[rustfmt::skip]
const OPERANDS: &[&str] = &[
    "@rsp", "@rip", "rbp", "@$ip", "hello!add", "hello!main+0x10", "poi(@rsp)", "poi(@rbp+8)", "hello!message",
    "5555`55559000", "0x555555559080", "@rax", "1+2*3", "-1", "(", ")", "hello!", "!add", "main", "0n10", "0y101",
    "`hello.c:14`", "hello!a*", "*!*", "hello!*i*", "\"text\"", "'q'", "{", "}", "{ k }", "(1) { r rip }",
    "1 'k'; 'lm'", "L4", "L?10", "L0", "L100000", "Lffffffffffffffff", "-1 L2", "ffffffff`ffffffff", "7fff`ffff0800",
    "0", "41 42", "\"Hello\"", "* ", "0 1 2", "@$tid", "@$teb", "hello!tick", "hello!counter", "5", "0n-3",
    "@!\"hello!add\"",
];

/// A line of one to four commands, each a command word and a few operands, sometimes damaged.
fn line(rng: &mut Rng) -> String {
    let commands: Vec<String> = (0..1 + rng.below(4))
        .map(|_| {
            let mut command = rng.pick(COMMANDS).to_string();
            for _ in 0..rng.below(4) {
                command.push(' ');
                let operand = rng.pick(OPERANDS);
                command.push_str(operand);
            }
            command
        })
        .collect();
    let mut line = commands.join(if rng.one_in(4) { "\n" } else { "; " });
    if rng.one_in(3) {
        damage(&mut line, rng);
    }
    line
}

/// Insert a character that means something to the parsers (or any character at all), or cut the line short.
fn damage(line: &mut String, rng: &mut Rng) {
    let cuts: Vec<usize> = (0..=line.len()).filter(|&i| line.is_char_boundary(i)).collect();
    let at = *rng.pick(&cuts);
    match rng.below(3) {
        0 => line.insert(at, *rng.pick(&[';', '{', '}', '"', '\'', '`', '(', ')', '@', '!', '$', '~', '|', '\\', ' '])),
        1 => line.insert(at, char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{fffd}')),
        _ => line.truncate(at),
    }
}

#[test]
fn the_in_memory_process_answers_as_hello_stopped_in_add() {
    let text = run("k; ~; lm; x hello!ad*; da hello!message; ? poi(@rsp+10); u hello!add L2; ln hello!add+3");
    let has = |needle: &str| assert!(text.iter().any(|l| l.contains(needle)), "no {needle:?} in {text:#?}");
    for frame in ["hello!add+0x4", "hello!middle+0x", "hello!outer+0x", "hello!main+0x"] {
        has(frame);
    }
    has("hello!add");
    has("\"Hello, rdb!\"");
    has("push    rbp");
    has(".  0  Id: 4d2.4d2");
}

#[test]
fn failing_commands_answer_in_one_line() {
    // Every command that cannot run against a snapshot, or is malformed, fails in one line (`j` takes the rest of
    // its line, the `.if` too).
    let text = run("g; t; eb @rsp 1; r rax=1; .detach; .restart; zz; db (; j 'open; .if (1) {");
    assert_eq!(text.iter().filter(|l| l.starts_with("^ ")).count(), 9, "{text:#?}");
}

#[test]
fn a_command_run_per_thread_that_would_run_the_debuggee_fails_in_one_line() {
    // The fuzzer's `~1t`: thread 1's header came first, and thread 1 stayed current.
    let text = run("~1t; r rip");
    let error = text.iter().position(|l| l.starts_with("^ ")).unwrap();
    assert_eq!(text[error], "^ execution commands cannot be run per thread in '~1t'");
    assert_eq!(text[error + 1], "rip=000055555555514d", "thread 0 is current still: {text:#?}");
}

#[test]
fn r_with_a_bad_register_among_good_ones_fails_in_one_line() {
    // The fuzzer's `r rip,<junk>`: rip was shown before the junk failed.
    let opening = run("").len();
    let text = run("r rip, rax, nothing");
    assert_eq!(text[opening..], ["^ Bad register error at 'nothing' in 'r rip, rax, nothing'"]);
}

#[test]
fn generated_lines_never_panic_and_fail_in_one_line() {
    let mut rng = Rng::new(0x5eed_0001);
    let mut failures = 0;
    for _ in 0..LINES {
        let line = line(&mut rng);
        failures += run(&line).iter().filter(|l| l.starts_with("^ ")).count();
    }
    // The generator reaches both the commands' work and their error paths.
    assert!(failures > LINES / 4 && failures < LINES * 3, "{failures} failures in {LINES} lines");
}

#[test]
fn lines_that_are_not_utf8_are_read_as_a_pipe_reads_them() {
    let text = run_bytes(b".echo caf\xe9; .echo \xff\xfe; k 1");
    assert_eq!(text.iter().filter(|l| l.contains('\u{fffd}')).count(), 2, "{text:#?}");
}
