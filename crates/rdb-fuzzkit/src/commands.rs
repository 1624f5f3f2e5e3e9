//! A line of WinDbg commands run against the in-memory process, one command at a time as the console runs them
//! (`Console::run_pending`, its queue included: the blocks of `.if` and `j` run as queued commands), checking the
//! one property every command keeps: a command that fails answers in one line, `^ <error> in '<command>'`, and
//! prints nothing else.

use rdb_engine::debugger::Debugger;
use rdb_engine::session::Stop;
use rdb_windbg::{Console, Flow};

use crate::process::MemoryProcess;

/// Run `line` against a fresh copy of the in-memory process; every line printed, the opening stop's first.
/// Panics if a command that fails answers in more than one line.
pub fn run(line: &str) -> Vec<String> {
    let (mut dbg, stop) = MemoryProcess::opened();
    run_on(&mut dbg, stop, line)
}

/// Run `line` on the process `dbg` opened with `stop`, as [`run`] does.
pub fn run_on(dbg: &mut Debugger, stop: Stop, line: &str) -> Vec<String> {
    let dbg = &mut *dbg;
    let mut console = Console::new(false);
    let mut text = Vec::new();
    console.after_stop(dbg, stop, &mut text);
    console.queue(line);
    while let Some(command) = console.next_command() {
        let mut answer = Vec::new();
        let flow = console.execute(dbg, &command, &mut answer);
        let quit = match flow {
            Flow::Next => false,
            Flow::Quit => true,
            Flow::Resume(resume) => {
                // The snapshot cannot run: this is the error path of every command that resumes.
                if let Some(stop) = console.perform(dbg, &resume, &mut answer) {
                    console.after_stop(dbg, stop, &mut answer);
                }
                false
            }
        };
        check_answer(&command, &answer);
        text.extend(answer);
        if quit {
            break;
        }
    }
    text
}

/// The lines of bytes taken as text, as a front end reading a pipe would (invalid UTF-8 replaced).
pub fn run_bytes(bytes: &[u8]) -> Vec<String> {
    run(&String::from_utf8_lossy(bytes))
}

/// A failing command's answer is one line, `^ <error> in '<the command>'`, with no line break in it. A command run
/// per thread (`~* k`) answers with a header per thread and whatever its inner command answers, an inner failure
/// naming the inner command; `q` notes what failed as it ended the session, then quits. (`.echo` prints whatever it is given, `^ ` included, so its text proves nothing.)
pub fn check_answer(command: &str, answer: &[String]) {
    if command.trim_start().get(..5).is_some_and(|name| name.eq_ignore_ascii_case(".echo")) {
        return;
    }
    for line in answer.iter().filter(|l| l.starts_with("^ ")) {
        // `in '<command>'`, or `while quitting` for what failed as `q` ended the session (it quits regardless).
        let one_line = (line.contains(" in '") || line.contains(" while ")) && !line.contains(['\n', '\r']);
        assert!(one_line, "the command {command:?} answered with an error that is not one line: {answer:#?}");
    }
    // A command's own error ends by quoting it whole (a long one by its first 200 characters and `...`, as the
    // console quotes): an inner command's error quotes the inner command, even when its text holds the outer one's.
    let quoted = match command.trim().char_indices().nth(200) {
        Some((end, _)) => format!("{}...", &command.trim()[..end]),
        None => command.trim().to_string(),
    };
    let own = format!(" in '{quoted}'");
    if answer.iter().any(|l| l.starts_with("^ ") && l.ends_with(&own)) {
        assert_eq!(answer.len(), 1, "the failing command {command:?} answered in more than one line: {answer:#?}");
    }
}
