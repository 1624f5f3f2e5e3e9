//! Conditional commands, WinDbg's way: `j <expr> 'cmds1' ; 'cmds2'` and `.if (expr) { cmds } .elsif (expr)
//! { cmds } .else { cmds }`. Both choose a command string and put it at the front of the console's queue, so a
//! branch that continues (`gc`) runs the way any queued command does, and the rest of the line follows it.

use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;

fn syntax(at: &str) -> Error {
    let at = at.trim();
    Error::msg(format!("Syntax error at '{}'", if at.is_empty() { "<EOL>" } else { at }))
}

/// The byte index of the first `;` in `text` outside double quotes, backticks and `{ }`.
fn top_level_semicolon(text: &str) -> Option<usize> {
    let mut quote = None;
    let mut braces = 0usize;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '`') => quote = Some(c),
            (None, '{') => braces += 1,
            (None, '}') => braces = braces.saturating_sub(1),
            (None, ';') if braces == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// One of `j`'s command strings: single-quoted (it may hold semicolons), or up to the next `;` when it is a single
/// command. Returns the commands and what follows them.
fn j_branch(text: &str) -> Result<(String, &str)> {
    let text = text.trim_start();
    if let Some(body) = text.strip_prefix('\'') {
        let end = body.find('\'').ok_or_else(|| Error::msg("Syntax error: unterminated ' string in j"))?;
        return Ok((body[..end].trim().to_string(), &body[end + 1..]));
    }
    let end = top_level_semicolon(text).unwrap_or(text.len());
    Ok((text[..end].trim().to_string(), &text[end..]))
}

/// What follows `j`'s expression: the commands for true and for false. Either may be empty (`''`, or nothing before
/// or after the `;`); what follows the second after a `;` is ignored, as WinDbg documents.
pub fn j_branches(text: &str) -> Result<(String, String)> {
    let (when_true, rest) = j_branch(text)?;
    let rest = rest.trim_start();
    let Some(rest) = rest.strip_prefix(';') else {
        return if rest.is_empty() { Ok((when_true, String::new())) } else { Err(syntax(rest)) };
    };
    let (when_false, rest) = j_branch(rest)?;
    let rest = rest.trim_start();
    if !rest.is_empty() && !rest.starts_with(';') {
        return Err(syntax(rest));
    }
    Ok((when_true, when_false))
}

/// `j <expr> 'cmds1' ; 'cmds2'`: run the first commands if the expression is non-zero, else the second.
pub fn j(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (value, used) = cx.eval_prefix(args)?;
    let (when_true, when_false) = j_branches(&args[used..])?;
    cx.console.queue_branch(if value != 0 { &when_true } else { &when_false })?;
    Ok(Flow::Next)
}

/// A `{ ... }` block at the start of `text` (nested braces and quoted text kept whole): its contents and the rest.
pub(super) fn block(text: &str) -> Result<(&str, &str)> {
    let text = text.trim_start();
    let Some(body) = text.strip_prefix('{') else { return Err(syntax(text)) };
    let mut quote = None;
    let mut depth = 1usize;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '`') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => {
                depth -= 1;
                if depth == 0 {
                    return Ok((body[..i].trim(), &body[i + 1..]));
                }
            }
            _ => {}
        }
    }
    Err(Error::msg("Syntax error: missing '}'"))
}

/// A condition before its block: the text up to the `{`, which must hold an expression.
pub(super) fn condition(text: &str) -> Result<(&str, &str)> {
    let open = text.find('{').ok_or_else(|| Error::msg("Syntax error: missing '{' after the condition"))?;
    let condition = text[..open].trim();
    if condition.is_empty() {
        return Err(Error::msg("Syntax error: missing condition before '{'"));
    }
    Ok((condition, &text[open..]))
}

/// The keyword `word` (`.elsif`, `.else`) at the start of `text`, whole: the rest after it.
fn keyword<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let rest = text.get(..word.len()).filter(|w| w.eq_ignore_ascii_case(word)).map(|_| &text[word.len()..])?;
    (!rest.starts_with(|c: char| c.is_ascii_alphanumeric())).then_some(rest)
}

/// What follows `.if`: each branch's condition (`None` for `.else`) and commands, in order. The whole chain is read
/// before anything is evaluated, so a malformed `.else` is an error whichever branch would run.
pub fn if_chain(args: &str) -> Result<Vec<(Option<&str>, &str)>> {
    let (cond, rest) = condition(args)?;
    let (body, mut rest) = block(rest)?;
    let mut chain = vec![(Some(cond), body)];
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(chain);
        }
        if let Some(after) = keyword(rest, ".elsif") {
            let (cond, after) = condition(after)?;
            let (body, after) = block(after)?;
            chain.push((Some(cond), body));
            rest = after;
        } else if let Some(after) = keyword(rest, ".else") {
            let (body, after) = block(after)?;
            chain.push((None, body));
            if !after.trim().is_empty() {
                return Err(syntax(after));
            }
            return Ok(chain);
        } else {
            return Err(syntax(rest));
        }
    }
}

/// `.if (expr) { cmds } [.elsif (expr) { cmds }]... [.else { cmds }]`: run the first block whose condition is
/// non-zero (conditions after it are not evaluated), or the `.else` block.
pub fn dot_if(cx: &mut Cx, args: &str) -> Result<Flow> {
    let chain: Vec<(Option<String>, String)> =
        if_chain(args)?.into_iter().map(|(c, b)| (c.map(str::to_string), b.to_string())).collect();
    for (cond, body) in chain {
        let taken = match cond {
            Some(c) => cx.eval(&c)? != 0,
            None => true,
        };
        if taken {
            cx.console.queue_branch(&body)?;
            break;
        }
    }
    Ok(Flow::Next)
}

/// `.else` or `.elsif` on its own: it belongs after an `.if` block on the same command.
pub fn orphan_else(_cx: &mut Cx, _args: &str) -> Result<Flow> {
    Err(Error::msg("Syntax error: .else and .elsif follow an .if block: .if (x) { ... } .else { ... }"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branches(text: &str) -> (String, String) {
        j_branches(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn j_takes_quoted_or_single_commands() {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(branches(" 'r eax'; 'r ebx; r ecx'"), pair("r eax", "r ebx; r ecx"));
        assert_eq!(branches(" '.echo big'; 'gc'"), pair(".echo big", "gc"));
        assert_eq!(branches(" r eax ; r ebx"), pair("r eax", "r ebx"));
        assert_eq!(branches(" ''; 'gc'"), pair("", "gc"));
        assert_eq!(branches("  ; 'r ebx; r ecx'"), pair("", "r ebx; r ecx"));
        assert_eq!(branches(" 'k'"), pair("k", ""), "no second command");
        assert_eq!(branches(" 'a' ; 'b' ; c"), pair("a", "b"), "after the second command, a ; ends j");
        assert_eq!(branches(" a ; b ; c"), pair("a", "b"));
        assert_eq!(branches(" '.echo \"x;y\"'; gc"), pair(".echo \"x;y\"", "gc"));
        assert_eq!(branches(" .echo \"x;y\" ; gc"), pair(".echo \"x;y\"", "gc"), "; in double quotes");
        assert_eq!(branches(" .if (1) {a; b} ; gc"), pair(".if (1) {a; b}", "gc"), "; in a block");
        assert!(j_branches(" 'open; gc").is_err());
        assert!(j_branches(" 'a' 'b'").is_err());
        assert!(j_branches(" 'a'; 'b' junk").is_err());
    }

    #[test]
    fn if_chains() {
        assert_eq!(if_chain("(@rcx == 3) {.echo three}").unwrap(), [(Some("(@rcx == 3)"), ".echo three")]);
        assert_eq!(
            if_chain(" (@rcx == 3) {.echo three; r} .else {gc}").unwrap(),
            [(Some("(@rcx == 3)"), ".echo three; r"), (None, "gc")]
        );
        assert_eq!(
            if_chain("(a) {x} .elsif (b) {y} .ELSIF(c){z} .else{}").unwrap(),
            [(Some("(a)"), "x"), (Some("(b)"), "y"), (Some("(c)"), "z"), (None, "")]
        );
        assert_eq!(
            if_chain("(1) { .if (2) {a} .else {b} } .else { .echo \"}\" }").unwrap(),
            [(Some("(1)"), ".if (2) {a} .else {b}"), (None, ".echo \"}\"")]
        );
        let err = |t: &str| if_chain(t).unwrap_err().to_string();
        assert_eq!(err("(1) {a} .else {b} .else {c}"), "Syntax error at '.else {c}'");
        assert_eq!(err("(1) {a} k"), "Syntax error at 'k'");
        assert_eq!(err("(1) {a} .elsewhere {b}"), "Syntax error at '.elsewhere {b}'");
        assert_eq!(err("(1) {a"), "Syntax error: missing '}'");
        assert_eq!(err("(1)"), "Syntax error: missing '{' after the condition");
        assert_eq!(err("{a}"), "Syntax error: missing condition before '{'");
        assert_eq!(err(""), "Syntax error: missing '{' after the condition");
    }
}
