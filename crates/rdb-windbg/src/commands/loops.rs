//! WinDbg's loops: `.while (cond) { cmds }`, `.do { cmds } (cond)`, `.for (init; cond; step) { cmds }`,
//! `.foreach [/pS n] [/ps n] (var { cmds } | /s (var "text") | /f (var "file")) { cmds }`, `.break` and `.continue`.
//!
//! A loop runs through the console's queue, as `.if` does, so a body that runs the debuggee (`g`) works as any
//! queued command does: each round queues the body and after it the loop's marker, a command no one can type,
//! where the loop decides whether to go round again. `.break` and `.continue` drop the queue up to the marker.
//! Every loop is bounded: it stops after [`MAX_ROUNDS`] rounds with one line saying so, so `.while (1) {}` ends.

use std::collections::VecDeque;

use rdb_engine::{Error, Result};

use super::control::{block, condition};
use super::{Cx, Flow};
use crate::parse::{split_commands, take_quoted, take_word};

/// What starts a loop's marker in the queue: a control character, which no command holds (a line's control
/// characters end commands or are refused by name).
pub(crate) const LOOP_MARKER: &str = "\u{1}loop ";

/// The most rounds one loop runs: far more than a script walking a list needs, few enough that a loop that never
/// ends is stopped in about a second.
pub(crate) const MAX_ROUNDS: u64 = 0x10000;

/// Most characters `.foreach /f` reads from its file.
const MAX_FILE: u64 = 1 << 20;

pub(crate) enum LoopKind {
    While(String),
    DoWhile(String),
    For {
        cond: String,
        step: String,
    },
    /// The tokens still to give the variable.
    Foreach {
        var: String,
        tokens: VecDeque<String>,
    },
}

/// A loop running in the console's queue.
pub(crate) struct Loop {
    kind: LoopKind,
    body: String,
    /// The command as typed, for its errors.
    text: String,
    /// The nesting of the loop command (its body is one deeper).
    pub(crate) nesting: usize,
    rounds: u64,
    /// Whether a round's body has just run: `.for` runs its step before testing again.
    after_body: bool,
}

fn new_loop(kind: LoopKind, body: &str, text: String) -> Loop {
    Loop { kind, body: body.to_string(), text, nesting: 0, rounds: 0, after_body: false }
}

fn syntax(what: &str) -> Error {
    Error::msg(format!("Syntax error: {what}"))
}

/// A `( ... )` group at the start of `text` (nested parentheses, quotes and braces kept whole): its contents and
/// the rest.
fn parenthesized(text: &str) -> Result<(&str, &str)> {
    let text = text.trim_start();
    let Some(inner) = text.strip_prefix('(') else { return Err(syntax("expected '('")) };
    let (mut depth, mut quote) = (1usize, None);
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"') => quote = Some(c),
            (None, '(' | '{') => depth += 1,
            (None, ')' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return if c == ')' { Ok((&inner[..i], &inner[i + 1..])) } else { Err(syntax("unbalanced '}'")) };
                }
            }
            _ => {}
        }
    }
    Err(syntax("missing ')'"))
}

/// Nothing may follow a loop's last block.
fn at_end(rest: &str) -> Result<()> {
    match rest.trim() {
        "" => Ok(()),
        extra => Err(Error::msg(format!("Syntax error at '{extra}'"))),
    }
}

/// `.while (cond) { cmds }`.
pub fn dot_while(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (cond, rest) = condition(args)?;
    let (body, rest) = block(rest)?;
    at_end(rest)?;
    let l = new_loop(LoopKind::While(cond.to_string()), body, format!(".while{args}"));
    cx.console.start_loop(l, "")?;
    Ok(Flow::Next)
}

/// `.do { cmds } (cond)`: the body runs once before the condition is first tested.
pub fn dot_do(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (body, rest) = block(args)?;
    let cond = rest.trim();
    if cond.is_empty() {
        return Err(syntax("missing condition after .do's block: .do { cmds } (cond)"));
    }
    let l = new_loop(LoopKind::DoWhile(cond.to_string()), body, format!(".do{args}"));
    cx.console.start_loop(l, "")?;
    Ok(Flow::Next)
}

/// `.for (init; cond; step) { cmds }`: `init` and `step` are commands, `cond` an expression.
pub fn dot_for(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (header, rest) = parenthesized(args)?;
    let (body, rest) = block(rest)?;
    at_end(rest)?;
    let parts: Vec<&str> = split_header(header);
    let [init, cond, step] = parts[..] else {
        return Err(syntax(".for takes (initial commands; condition; step commands)"));
    };
    if cond.trim().is_empty() {
        return Err(syntax(".for needs a condition"));
    }
    let kind = LoopKind::For { cond: cond.trim().to_string(), step: step.trim().to_string() };
    cx.console.start_loop(new_loop(kind, body, format!(".for{args}")), init.trim())?;
    Ok(Flow::Next)
}

/// `.for`'s header at its top-level semicolons (not inside quotes or brackets).
fn split_header(header: &str) -> Vec<&str> {
    let (mut parts, mut start, mut depth, mut quote) = (Vec::new(), 0, 0usize, None);
    for (i, c) in header.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"') => quote = Some(c),
            (None, '(' | '{' | '[') => depth += 1,
            (None, ')' | '}' | ']') => depth = depth.saturating_sub(1),
            (None, ';') if depth == 0 => {
                parts.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&header[start..]);
    parts
}

/// `.foreach [/pS n] [/ps n] [/s | /f] (var {cmds} | var "text") { cmds }`: the body once for each
/// whitespace-separated token of the commands' output (or of the string, or of the file), the variable replaced
/// by the token wherever it stands as a word of its own or as `${var}`.
pub fn dot_foreach(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (mut initial_skip, mut skip, mut source) = (0u64, 0u64, 'c');
    let mut rest = args.trim_start();
    while let Some(option) = rest.strip_prefix('/') {
        let (flag, after) =
            option.split_at(option.find(|c: char| c.is_whitespace() || c == '(').unwrap_or(option.len()));
        rest = after.trim_start();
        match flag {
            "pS" | "ps" => {
                let (n, after) = take_word(rest);
                let n = cx.eval(n)?;
                if flag == "pS" {
                    initial_skip = n
                } else {
                    skip = n
                }
                rest = after.trim_start();
            }
            "s" => source = 's',
            "f" => source = 'f',
            _ => return Err(Error::msg(format!("Unknown .foreach option '/{flag}' (/pS n, /ps n, /s, /f)"))),
        }
    }
    let (header, rest) = parenthesized(rest)?;
    let (body, rest) = block(rest)?;
    at_end(rest)?;
    let (var, input) = take_word(header);
    if var.is_empty() || var.contains(['{', '"']) {
        return Err(syntax(".foreach takes (variable {commands}), /s (variable \"string\") or /f (variable \"file\")"));
    }
    let text = match source {
        'c' => {
            let (commands, after) = block(input)?;
            at_end(after)?;
            captured(cx, commands)?
        }
        _ => {
            let (quoted, after) = take_quoted(input)
                .ok_or_else(|| syntax(".foreach /s and /f take a quoted string"))?
                .map_err(Error::msg)?;
            at_end(after)?;
            if source == 's' { quoted } else { read_file(&quoted)? }
        }
    };
    let step = usize::try_from(skip.saturating_add(1)).unwrap_or(usize::MAX);
    let first = usize::try_from(initial_skip).unwrap_or(usize::MAX);
    let tokens = text.split_whitespace().skip(first).step_by(step).map(str::to_string).collect();
    let kind = LoopKind::Foreach { var: var.to_string(), tokens };
    cx.console.start_loop(new_loop(kind, body, format!(".foreach{args}")), "")?;
    Ok(Flow::Next)
}

/// The text `commands` print, run now with their output kept: `.foreach`'s tokens. A command that would run the
/// debuggee cannot give tokens.
fn captured(cx: &mut Cx, commands: &str) -> Result<String> {
    let mut text: Vec<String> = Vec::new();
    for command in split_commands(commands) {
        if let Flow::Resume(_) = super::execute(&mut Cx::new(cx.console, cx.dbg, &mut text), &command) {
            return Err(Error::msg(format!("'{command}' runs the debuggee: .foreach's commands must not")));
        }
    }
    Ok(text.join("\n"))
}

fn read_file(path: &str) -> Result<String> {
    let bytes = crate::script::read_regular(std::path::Path::new(path), MAX_FILE)
        .map_err(|e| Error::msg(format!("Cannot read {path}: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `body` with `var` replaced by `token` where it is a word of its own (not part of a longer name) or `${var}`.
fn substitute(body: &str, var: &str, token: &str) -> String {
    let body = body.replace(&format!("${{{var}}}"), token);
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(at) = rest.find(var) {
        out.push_str(&rest[..at]);
        // What precedes it may be what the last round kept (the first `v` of `vv`).
        let before = out.chars().next_back();
        let after = rest[at + var.len()..].chars().next();
        if before.is_some_and(word) || after.is_some_and(word) {
            out.push_str(var);
        } else {
            out.push_str(token);
        }
        rest = &rest[at + var.len()..];
    }
    out.push_str(rest);
    out
}

/// `.break`: leave the innermost loop.
pub fn dot_break(cx: &mut Cx, _args: &str) -> Result<Flow> {
    cx.console.leave_round(true)?;
    Ok(Flow::Next)
}

/// `.continue`: go on with the innermost loop's next round.
pub fn dot_continue(cx: &mut Cx, _args: &str) -> Result<Flow> {
    cx.console.leave_round(false)?;
    Ok(Flow::Next)
}

/// A loop's marker came up: test the loop and queue another round, or end it. An error ends the loop with one
/// line naming the loop's command.
pub(crate) fn next_round(cx: &mut Cx, id: &str) {
    let Some((id, l)) = id.parse::<u32>().ok().and_then(|id| Some((id, cx.console.loops.remove(&id)?))) else {
        cx.out(format!("^ Unknown command '{}' (.help lists the commands)", crate::printable(id)));
        return;
    };
    let text = l.text.clone();
    if let Err(e) = round(cx, id, l) {
        let quoted: String = text.chars().take(200).collect();
        cx.out(format!("^ {e} in '{quoted}'"));
    }
}

fn round(cx: &mut Cx, id: u32, mut l: Loop) -> Result<()> {
    if let (LoopKind::For { step, .. }, true) = (&l.kind, l.after_body) {
        // The step first, then the test, at the marker again.
        let step = step.clone();
        l.after_body = false;
        cx.console.queue_round(id, l.nesting, &step)?;
        cx.console.loops.insert(id, l);
        return Ok(());
    }
    let body = match &mut l.kind {
        LoopKind::While(cond) | LoopKind::For { cond, .. } => (cx.eval(&cond.clone())? != 0).then(|| l.body.clone()),
        LoopKind::DoWhile(cond) => (l.rounds == 0 || cx.eval(&cond.clone())? != 0).then(|| l.body.clone()),
        LoopKind::Foreach { var, tokens } => tokens.pop_front().map(|token| substitute(&l.body, var, &token)),
    };
    let Some(body) = body else { return Ok(()) };
    if l.rounds >= MAX_ROUNDS {
        return Err(Error::msg(format!(
            "Loop stopped after {MAX_ROUNDS:#x} rounds (rdb's bound on one loop; .break leaves one early)"
        )));
    }
    l.rounds += 1;
    l.after_body = true;
    cx.console.queue_round(id, l.nesting, &body)?;
    cx.console.loops.insert(id, l);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreach_replaces_the_variable_as_a_word() {
        assert_eq!(substitute("r rax; .echo v; .echo ${v}x; .echo vv", "v", "7"), "r rax; .echo 7; .echo 7x; .echo vv");
        assert_eq!(substitute("db place L1", "place", "00401000"), "db 00401000 L1");
    }

    #[test]
    fn headers_and_groups() {
        assert_eq!(
            split_header("r $t0 = 0; @$t0 < 3; r $t0 = @$t0 + 1"),
            ["r $t0 = 0", " @$t0 < 3", " r $t0 = @$t0 + 1"]
        );
        assert_eq!(split_header(".echo \"a;b\"; 1; "), [".echo \"a;b\"", " 1", " "]);
        assert_eq!(parenthesized(" (v {lm 1m}) {x}").unwrap(), ("v {lm 1m}", " {x}"));
        assert_eq!(parenthesized("(a (b) \")\") rest").unwrap(), ("a (b) \")\"", " rest"));
        assert!(parenthesized("(open").is_err());
        assert!(parenthesized("x").is_err());
    }
}
