//! A line of WinDbg commands run against the in-memory process, one command at a time as the console runs them
//! (`Console::run_pending`, its queue included: the blocks of `.if` and `j` run as queued commands), checking the
//! one property every command keeps: a command that fails answers in one line, `^ <error> in '<command>'`, and
//! prints nothing else.

use rdb_windbg::{Console, Flow};

use crate::process::MemoryProcess;

/// Run `line` against a fresh copy of the in-memory process; every line printed, the opening stop's first.
/// Panics if a command that fails answers in more than one line.
pub fn run(line: &str) -> Vec<String> {
    run_on(Box::new(MemoryProcess::new()), line)
}

/// Run `line` as [`run`] does, against `target` (a variant of the in-memory process: a crash, a dump whose module
/// files are elsewhere).
pub fn run_on(target: Box<dyn rdb_engine::target::Target>, line: &str) -> Vec<String> {
    let notices = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let told = notices.clone();
    let listener = Box::new(move |n: &_| told.borrow_mut().extend(rdb_windbg::report::notice_lines(n)));
    let (mut dbg, stop) = MemoryProcess::open_telling(target, listener);
    let mut console = Console::new(false);
    // What the opening told (the modules), then the stop, as the console shows a dump opened.
    let mut text: Vec<String> = notices.borrow_mut().drain(..).collect();
    console.after_stop(&mut dbg, stop, &mut text);
    console.queue(line);
    while let Some(command) = console.next_command() {
        let mut answer = Vec::new();
        let flow = console.execute(&mut dbg, &command, &mut answer);
        let quit = match flow {
            Flow::Next => false,
            Flow::Quit => true,
            Flow::Resume(resume) => {
                // The snapshot cannot run: this is the error path of every command that resumes.
                if let Some(stop) = console.perform(&mut dbg, &resume, &mut answer) {
                    console.after_stop(&mut dbg, stop, &mut answer);
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
