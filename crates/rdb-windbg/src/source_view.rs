//! The console's source settings and where its listing stands: WinDbg's source options (`l+t` source mode, `l+l`
//! line numbers on locations, `l+s` source at the prompt), how many lines `l+s` and `ls`/`lsa` show (`lsp`), the
//! source path (`.srcpath`), and the file and line `ls` goes on from. The engine finds and reads the files
//! ([`SourcePath`]) and steps by line; this only chooses what to show.

use std::path::PathBuf;

use rdb_engine::Result;
use rdb_engine::session::Session;
use rdb_engine::sources::SourcePath;
use rdb_engine::symbols::SourceLine;
use rdb_engine::target::Tid;

use crate::report::{self, StopSource};

/// `l+t`: `t`, `p` and `gu` step by source line.
pub const SOURCE_MODE: u32 = 1;
/// `l+l`: locations show their `[file @ line]`.
pub const LINE_NUMBERS: u32 = 2;
/// `l+s`: a stop shows its source lines.
pub const SOURCE_AT_PROMPT: u32 = 4;

/// The options `l` knows: bit, letter, what WinDbg calls it.
pub const OPTIONS: [(u32, char, &str); 3] = [
    (SOURCE_MODE, 't', "Step/trace by source line"),
    (LINE_NUMBERS, 'l', "List source line for LN and prompt"),
    (SOURCE_AT_PROMPT, 's', "List source code at prompt"),
];

/// How many lines a window shows: before the current line, and from it on (the current line included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub before: u32,
    pub after: u32,
}

impl Window {
    /// `total` lines around the current one, a little more after it than before (WinDbg's `lsp <total>`).
    pub fn of(total: u32) -> Window {
        let before = total.saturating_sub(1) / 2;
        Window { before, after: total - before }
    }

    pub fn total(self) -> u32 {
        self.before + self.after
    }
}

/// Where `ls` goes on: a file as the debug information names it, the next line to show, the line to mark.
#[derive(Debug, Clone)]
pub struct Listing {
    pub file: PathBuf,
    pub next: u32,
    pub current: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct SourceView {
    pub options: u32,
    /// What a stop shows with `l+s`.
    pub prompt: Window,
    /// What `ls` and `lsa` show.
    pub listing_window: Window,
    pub path: SourcePath,
    pub listing: Option<Listing>,
}

impl Default for SourceView {
    fn default() -> SourceView {
        SourceView {
            options: 0,
            prompt: Window { before: 0, after: 1 },
            listing_window: Window::of(10),
            path: SourcePath::default(),
            listing: None,
        }
    }
}

impl SourceView {
    pub fn source_mode(&self) -> bool {
        self.options & SOURCE_MODE != 0
    }

    /// The shaped lines `first..first + count` of the file the debug information names `file` (those that exist),
    /// `current` marked; an error names the file tried.
    pub fn window(&self, file: &std::path::Path, first: u32, count: u32, current: Option<u32>) -> Result<Vec<String>> {
        let (_, lines) = self.path.lines(file)?;
        let first = first.max(1);
        Ok((first..first.saturating_add(count))
            .filter_map(|n| Some((n, lines.get(usize::try_from(n - 1).ok()?)?)))
            .map(|(n, text)| report::source_text_line(n, text, Some(n) == current))
            .collect())
    }

    /// What the stop of thread `tid` shows of its source, as the options ask; `ls` goes on from its line. With no
    /// option set nothing is looked up (a module's line table is read on its first question): `ls` finds the
    /// line when it is asked.
    pub fn at_stop(&mut self, session: &mut Session, tid: Tid) -> StopSource {
        self.listing = None;
        if self.options == 0 {
            return StopSource::default();
        }
        let line = session.registers(tid).ok().and_then(|r| session.modules.source_line(r.rip));
        let Some(line) = line else { return StopSource::default() };
        self.listing = Some(self.listing_at(&line));
        let text = if self.options & SOURCE_AT_PROMPT != 0 { self.prompt_text(&line) } else { Vec::new() };
        let shown = self.options & (SOURCE_MODE | LINE_NUMBERS) != 0;
        StopSource { line: shown.then_some(line), text }
    }

    /// A listing around `line`, marked as current.
    pub fn listing_at(&self, line: &SourceLine) -> Listing {
        Listing {
            file: line.file.clone(),
            next: line.line.saturating_sub(self.listing_window.before).max(1),
            current: Some(line.line),
        }
    }

    /// The `l+s` lines of a stop at `line`, or the one line saying why there are none (the session goes on).
    fn prompt_text(&self, line: &SourceLine) -> Vec<String> {
        let first = line.line.saturating_sub(self.prompt.before).max(1);
        match self.window(&line.file, first, self.prompt.total(), Some(line.line)) {
            Ok(lines) => lines,
            Err(e) => vec![e.to_string()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_of_a_total_lean_after_the_current_line() {
        assert_eq!(Window::of(10), Window { before: 4, after: 6 });
        assert_eq!(Window::of(1), Window { before: 0, after: 1 });
        assert_eq!(Window::of(3), Window { before: 1, after: 2 });
        assert_eq!(Window::of(10).total(), 10);
    }
}
