//! Lexical helpers for WinDbg's command language: splitting a line into commands at `;` (not inside quotes,
//! backticks or `{ }` blocks, nor in a `j`), and taking quoted strings and words off the front of an argument string.

/// Whether a command (as far as it is read) is `j`, which takes the rest of its line: WinDbg's `j <expr> 'a; b' ;
/// 'c'` has semicolons of its own, and ignores what follows its second command.
fn is_j(command: &str) -> bool {
    let mut chars = command.trim_start().chars();
    matches!(chars.next(), Some('j' | 'J')) && !chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Whether a command (as far as it is read) is `.srcpath`, `.sympath` or `.exepath`, whose directories are separated
/// by semicolons: it takes the rest of its line, as WinDbg's do.
fn is_srcpath(command: &str) -> bool {
    let command = command.trim_start();
    let named = |path: &str| command.get(..8).is_some_and(|name| name.eq_ignore_ascii_case(path));
    [".srcpath", ".sympath", ".exepath"].into_iter().any(named)
        && !command[8..].starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// Whether a command (as far as it is read) is `.for`, whose header `(init; cond; step)` holds semicolons of its
/// own: they do not split while its parenthesis is open.
fn is_for(command: &str) -> bool {
    let command = command.trim_start();
    command.get(..4).is_some_and(|name| name.eq_ignore_ascii_case(".for"))
        && !command[4..].starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// Split a line into commands at top-level semicolons and newlines (text pasted on a terminal arrives as one line
/// holding several). Semicolons inside `"..."`, `` `...` `` and `{ }` blocks (`.if (x) { a; b }`) do not split,
/// and a `j` or `.srcpath` runs to the end of its line.
pub fn split_commands(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut braces = 0usize;
    let mut parens = 0usize;
    for c in line.chars() {
        if c == '\n' || c == '\r' {
            // A line ends its command whatever the command left open (a quote, a block): a command never spans
            // lines, so neither does its text in an error.
            (quote, escaped, braces, parens) = (None, false, 0, 0);
            out.push(std::mem::take(&mut current));
            continue;
        }
        match quote {
            Some(q) => {
                current.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            // A backtick inside a word is a number's separator (`00005555`55559000`), not a quote.
            None if c == '"' || (c == '`' && !current.ends_with(|p: char| p.is_ascii_alphanumeric())) => {
                quote = Some(c);
                current.push(c);
            }
            None if c == ';' && braces == 0 && !is_j(&current) && !is_srcpath(&current) => {
                if parens > 0 && is_for(&current) {
                    current.push(c);
                } else {
                    parens = 0;
                    out.push(std::mem::take(&mut current))
                }
            }
            None => {
                match c {
                    '{' => braces += 1,
                    '}' => braces = braces.saturating_sub(1),
                    '(' => parens += 1,
                    ')' => parens = parens.saturating_sub(1),
                    _ => {}
                }
                current.push(c);
            }
        }
    }
    out.push(current);
    out.into_iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
}

/// Take a double-quoted string (with `\"` and `\\` escapes) off the front of `text`. Returns the string and the
/// rest, or `None` if `text` does not start with a quote. An unterminated string is an error.
pub fn take_quoted(text: &str) -> Option<Result<(String, &str), String>> {
    let text = text.trim_start();
    let body = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, e)) => out.push(e),
                None => break,
            },
            '"' => return Some(Ok((out, &body[i + 1..]))),
            _ => out.push(c),
        }
    }
    Some(Err("unterminated string".into()))
}

/// Take one whitespace-delimited word (or a backtick-quoted one, backticks kept, or a quoted symbol `@!"..."`
/// with what follows it up to a blank) off the front of `text`.
pub fn take_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    if let Some(body) = text.strip_prefix('`')
        && let Some(end) = body.find('`')
    {
        return (&text[..end + 2], &text[end + 2..]);
    }
    if let Some(body) = text.strip_prefix("@!\"")
        && let Some(close) = body.find('"')
    {
        let after = 3 + close + 1;
        let end = text[after..].find(char::is_whitespace).map_or(text.len(), |e| after + e);
        return (&text[..end], &text[end..]);
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    (&text[..end], &text[end..])
}

/// Split `L<count>` off an argument (`L20`, `l0n32`, `L?1000`): the count expression, if the word is one.
pub fn length_word(word: &str) -> Option<&str> {
    let rest = word.strip_prefix(['L', 'l'])?;
    let rest = rest.strip_prefix('?').unwrap_or(rest);
    let first = rest.chars().next()?;
    (first.is_ascii_hexdigit() || first == '@' || first == '(' || first == '0').then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_split_outside_quotes() {
        assert_eq!(split_commands("bp main; g ;k"), ["bp main", "g", "k"]);
        assert_eq!(split_commands(r#"bp main "r rax; g"; bl"#), [r#"bp main "r rax; g""#, "bl"]);
        assert_eq!(split_commands("bp `a.c:3`;g"), ["bp `a.c:3`", "g"]);
        assert!(split_commands("  ;; ").is_empty());
        assert_eq!(split_commands("bp main\ng\r\nk"), ["bp main", "g", "k"]);
    }

    #[test]
    fn blocks_and_j_keep_their_semicolons() {
        assert_eq!(
            split_commands(".if (@rcx == 3) {.echo three; r rcx} .else {gc}; k"),
            [".if (@rcx == 3) {.echo three; r rcx} .else {gc}", "k"]
        );
        assert_eq!(
            split_commands(".if (1) { .if (2) {a; b} .else {c; d} }; e"),
            [".if (1) { .if (2) {a; b} .else {c; d} }", "e"]
        );
        assert_eq!(
            split_commands("r; j (poi(x) > 5) '.echo big; r'; 'gc'"),
            ["r", "j (poi(x) > 5) '.echo big; r'; 'gc'"]
        );
        assert_eq!(split_commands("j 1 a ; b ; c"), ["j 1 a ; b ; c"], "j takes the rest of the line");
        assert_eq!(split_commands("J(1) a;b\nk"), ["J(1) a;b", "k"], "but not the next line");
        assert_eq!(split_commands("jx; k"), ["jx", "k"], "a longer name is not j");
        assert_eq!(split_commands("} a; b"), ["} a", "b"], "a stray brace does not swallow the line");
        assert_eq!(split_commands("{ a; b\nc"), ["{ a; b", "c"], "an open brace ends with its line");
        assert_eq!(split_commands("db \"open\nk"), ["db \"open", "k"], "so does an open quote");
        assert_eq!(split_commands("db `open\r\nk"), ["db `open", "k"]);
        assert_eq!(split_commands(".srcpath /a;/b\nk"), [".srcpath /a;/b", "k"], ".srcpath takes its line");
        assert_eq!(split_commands("r; .SRCPATH+ /a;/b"), ["r", ".SRCPATH+ /a;/b"]);
        assert_eq!(split_commands(".srcpathx; k"), [".srcpathx", "k"], "a longer name is not .srcpath");
        assert_eq!(
            split_commands(".for (r $t0=0; @$t0<3; r $t0=@$t0+1) {r $t0}; k"),
            [".for (r $t0=0; @$t0<3; r $t0=@$t0+1) {r $t0}", "k"],
            ".for's header keeps its semicolons"
        );
        assert_eq!(split_commands("? (1; k"), ["? (1", "k"], "an open parenthesis elsewhere does not");
    }

    #[test]
    fn backticks_in_numbers_do_not_quote() {
        assert_eq!(split_commands("db 5555`55559000; k 1"), ["db 5555`55559000", "k 1"]);
        assert_eq!(split_commands("? 1`2 + 3`4;r"), ["? 1`2 + 3`4", "r"]);
    }

    #[test]
    fn quoted_strings_and_words() {
        assert_eq!(take_quoted(r#" "a \"b\"" rest"#), Some(Ok(("a \"b\"".to_string(), " rest"))));
        assert!(matches!(take_quoted("\"open"), Some(Err(_))));
        assert_eq!(take_quoted("x"), None);
        assert_eq!(take_word("  `demo.c:12` 5"), ("`demo.c:12`", " 5"));
        assert_eq!(take_word("demo!main 5"), ("demo!main", " 5"));
        assert_eq!(take_word(r#"@!"a!f() const"+4 5"#), (r#"@!"a!f() const"+4"#, " 5"));
        assert_eq!(length_word("L20"), Some("20"));
        assert_eq!(length_word("L?0n5"), Some("0n5"));
        assert_eq!(length_word("libc!puts"), None);
    }
}
