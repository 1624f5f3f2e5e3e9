//! Where the console's text goes, and what it may hold. Much of that text is the debuggee's: module paths, ELF and
//! DWARF names, source paths, debug strings. A hostile program chooses them, and a control character in one would
//! reach the user's terminal raw: an ESC sequence recolours or rewrites the screen, a newline in a library's path
//! forges a line of rdb's own (`Breakpoint 0 hit`). So every line the console writes passes through [`printable`]
//! on its way out (commands write only through [`Printable`], see `commands::Cx`), and so does every line of
//! `report::notice_lines`, which front ends print themselves.

use std::borrow::Cow;
use std::fmt::Write;

/// Where the console's text goes: a terminal, a captured buffer (a DAP REPL, the gdb server's `monitor`, Python's
/// `command()`), or anything else that takes lines. The console hands it printable lines only.
pub trait Output {
    fn line(&mut self, text: &str);
}

/// Lines captured in memory.
impl Output for Vec<String> {
    fn line(&mut self, text: &str) {
        self.push(text.to_string());
    }
}

/// `text` as one line a terminal shows as it reads: each control character (C0, DEL and C1, but the tab rdb's own
/// listings use) written out as an escape, `\n`, `\r`, else `\x1b` (Python's `repr` shapes, which a user can read
/// and a script can undo); everything else, printable UTF-8 and the backslashes of Windows paths included, left
/// byte for byte as it was, so ordinary text is unchanged.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if escaped(c) => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn escaped(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// An [`Output`] that makes every line [`printable`] before passing it on: what the console writes through.
pub struct Printable<'a>(pub &'a mut dyn Output);

impl Output for Printable<'_> {
    fn line(&mut self, text: &str) {
        self.0.line(&printable(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_left_as_it_is() {
        for text in [
            "ModLoad: 00007fff`f7fc3000 00007fff`f7fff000   /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            r"ModLoad: 00000000`00400000 00000000`0040c000   Z:\tmp\rdb\hello.exe",
            ".  0\tid: 4d2\tcreate\tname: hello",
            "héllo wörld ✓ 日本",
            "",
        ] {
            assert!(matches!(printable(text), Cow::Borrowed(t) if t == text), "{text}");
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("lib\u{1b}[31mred\nBreakpoint 0 hit\n.so"), r"lib\x1b[31mred\nBreakpoint 0 hit\n.so");
        assert_eq!(printable("a\rb\0c\u{7f}d\u{9b}2Je"), r"a\rb\x00c\x7fd\x9b2Je");
        assert_eq!(printable("bell\u{7}"), r"bell\x07");
        // Escaping is idempotent: an escaped line holds no control character left to escape.
        let once = printable("x\u{1b}y\n").into_owned();
        assert_eq!(printable(&once), once);
    }

    #[test]
    fn printable_output_escapes_every_line() {
        let mut lines: Vec<String> = Vec::new();
        let mut out = Printable(&mut lines);
        out.line("Breakpoint 0 hit");
        out.line("forged\nBreakpoint 0 hit");
        assert_eq!(lines, ["Breakpoint 0 hit", r"forged\nBreakpoint 0 hit"]);
    }
}
