//! Sections of rdb's output (the text after a `mark(name)` line, up to the next) and the assertions and parsers
//! that work on them: matches, counts, stack rows, `?` values, disassembly rows.

use regex::Regex;

use crate::run::RdbRun;
use crate::shapes::{ADDR, Frame, addr, parse_evaluations, parse_frames};

/// A WinDbg command that prints a section marker; `RdbRun::section(name)` returns the text after it.
pub fn mark(name: &str) -> String {
    format!(".echo =={name}==")
}

/// A piece of rdb's stdout with assertions that print the whole run on failure.
pub struct Section<'a> {
    pub text: &'a str,
    pub(crate) run: &'a RdbRun,
    pub(crate) name: String,
}

impl<'a> Section<'a> {
    fn fail(&self, msg: &str) -> ! {
        panic!("{msg}\n---- {}:\n{}\n{}", self.name, self.text, self.run.dump())
    }

    pub fn assert_contains(&self, needle: &str) -> &Self {
        if !self.text.contains(needle) {
            self.fail(&format!("{} does not contain {needle:?}", self.name));
        }
        self
    }

    pub fn assert_not_contains(&self, needle: &str) -> &Self {
        if self.text.contains(needle) {
            self.fail(&format!("{} contains {needle:?}, which it should not", self.name));
        }
        self
    }

    pub fn assert_matches(&self, re: &str) -> Vec<String> {
        let rx = Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        match rx.captures(self.text) {
            Some(c) => captures_to_strings(&c),
            None => self.fail(&format!("{} does not match /{re}/", self.name)),
        }
    }

    pub fn assert_not_matches(&self, re: &str) -> &Self {
        let rx = Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        if let Some(m) = rx.find(self.text) {
            self.fail(&format!("{} matches /{re}/ at {:?}, which it should not", self.name, m.as_str()));
        }
        self
    }

    /// Every match of `re`, as capture groups.
    pub fn all_matches(&self, re: &str) -> Vec<Vec<String>> {
        let rx = Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}"));
        rx.captures_iter(self.text).map(|c| captures_to_strings(&c)).collect()
    }

    pub fn count(&self, re: &str) -> usize {
        Regex::new(re).unwrap_or_else(|e| panic!("bad regex {re:?}: {e}")).find_iter(self.text).count()
    }

    pub fn assert_count(&self, re: &str, n: usize) -> &Self {
        let got = self.count(re);
        if got != n {
            self.fail(&format!("{} matches /{re}/ {got} times, expected {n}", self.name));
        }
        self
    }

    /// The call sites of the stack rows (`k`, `kn`, `kb`) in this section, in order, with their source
    /// (`Some(("/path/file.c", line))`) when the row has one.
    pub fn frames(&self) -> Vec<Frame> {
        parse_frames(self.text)
    }

    /// Asserts the stack rows of this section start with call sites beginning with `sites`, in order
    /// (`"hello!add"` matches `hello!add` and `hello!add+0x8`).
    pub fn assert_frames_start_with(&self, sites: &[&str]) -> Vec<Frame> {
        let frames = self.frames();
        let ok = frames.len() >= sites.len() && sites.iter().zip(&frames).all(|(want, f)| f.is(want));
        if !ok {
            self.fail(&format!("stack should start with {sites:?}, rows parsed: {frames:#?}"));
        }
        frames
    }

    /// The values printed by `?` (`Evaluate expression: 16 = 00000000`00000010`), as 64-bit numbers.
    pub fn evaluations(&self) -> Vec<u64> {
        parse_evaluations(self.text)
    }

    /// The one value printed by `?` in this section.
    pub fn evaluation(&self) -> u64 {
        let v = self.evaluations();
        if v.len() != 1 {
            self.fail(&format!("expected exactly one `Evaluate expression:` line, found {}", v.len()));
        }
        v[0]
    }

    /// `~* r rip` in this section: (current, tid, rip) of each thread.
    pub fn thread_rips(&self) -> Vec<(bool, u32, u64)> {
        self.all_matches(r"(?m)^([. #])\s*\d+\s+Id: [0-9a-f]+\.([0-9a-f]+) .*\r?\n(?:\s*\r?\n)?rip=([0-9a-f]{16})")
            .into_iter()
            .map(|m| (m[1] == ".", u32::from_str_radix(&m[2], 16).unwrap_or(0), addr(&m[3])))
            .collect()
    }

    /// The bytes of the first `db` row in this section (`00005555`55555149  55 48 89 e5 ...-... `).
    pub fn db_bytes(&self) -> Vec<u8> {
        self.all_matches(r"(?m)^[0-9a-f`]+  ((?:[0-9a-f]{2}[ -]){15}[0-9a-f]{2})")
            .first()
            .map(|row| row[1].split([' ', '-']).map(|b| u8::from_str_radix(b, 16).unwrap_or(0)).collect())
            .unwrap_or_else(|| self.fail("no db row"))
    }

    /// Disassembly rows (`00005555`55555149 55              push    rbp`): (address, instruction length, text).
    pub fn disassembly(&self) -> Vec<(u64, u64, String)> {
        self.all_matches(&format!(r"(?m)^({ADDR}) ([0-9a-f]+) +(\S.*)$"))
            .iter()
            .map(|c| (addr(&c[1]), (c[2].len() / 2) as u64, c[3].to_string()))
            .collect()
    }
}

/// A regex match's groups as strings (an absent group is empty).
pub(crate) fn captures_to_strings(c: &regex::Captures) -> Vec<String> {
    c.iter().map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default()).collect()
}
