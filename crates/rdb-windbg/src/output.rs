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

    /// The debuggee is about to run: an output that holds lines back writes them now, so they keep their order
    /// with the debuggee's own output on the same terminal or pipe.
    fn flush(&mut self) {}
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
    if plain_ascii(text) || !text.chars().any(escaped) {
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

/// Whether `text` is printable ASCII only (tabs left to the check by `char`), eight bytes at a time: most lines
/// are, and a traced step's dozen lines made the check by `char` a twentieth of the step's time.
fn plain_ascii(text: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = text.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Whether some byte is non-ASCII, some byte is below a space (subtracting 0x20 from it borrows into its
        // top bit), or some byte is DEL (zero once xored with 0x7f): exact as answers to "is there such a byte".
        let non_ascii = x & HIGH;
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let del = x ^ (ONES * 0x7f);
        let has_del = del.wrapping_sub(ONES) & !del & HIGH;
        if non_ascii | below_space | has_del != 0 {
            return false;
        }
    }
    chunks.remainder().iter().all(|b| (0x20..0x7f).contains(b))
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

    fn flush(&mut self) {
        self.0.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii_finds_any_byte_that_is_not() {
        let base = "abcdefghijklmnopqrstuvwxyz0123456789 ~";
        assert!(plain_ascii(base));
        for odd in 0u8..=0x7f {
            let printable = (0x20..0x7f).contains(&odd);
            for at in 0..base.len() {
                let mut bytes = base.as_bytes().to_vec();
                bytes[at] = odd;
                let text = String::from_utf8(bytes).expect("ASCII");
                assert_eq!(plain_ascii(&text), printable, "{odd:#x} at {at}");
            }
        }
        assert!(!plain_ascii("abcdefgh\u{e9}ijklmnop"));
        assert!(!plain_ascii("\u{85}"));
    }

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
