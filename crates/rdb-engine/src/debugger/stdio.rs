//! Where a launched program's standard streams go, when not where the debugger's go: redirections written among
//! its arguments (`prog arg < in.txt > out.txt`, as gdb's `run` takes them) and a terminal of its own (`--tty`,
//! gdb's `tty`). Only what the user asked for, as data: each OS's host opens the files and hands them over.

use std::path::PathBuf;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stdio {
    /// A terminal for all three streams, and the program's controlling terminal where the OS has one.
    pub terminal: Option<PathBuf>,
    /// `< file`.
    pub input: Option<PathBuf>,
    /// `> file` or `>> file`.
    pub output: Option<Redirect>,
    /// `2> file` or `2>> file`.
    pub error: Option<Redirect>,
}

/// An output stream's file: emptied first, or (`>>`) added to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub path: PathBuf,
    pub append: bool,
}

/// The operators, longest first so `>>` is not read as `>` and a file named `>x`.
const OPERATORS: [&str; 5] = ["2>>", "2>", ">>", "<", ">"];

impl Stdio {
    /// Take the redirections out of a program's arguments: an operator (`<`, `>`, `>>`, `2>`, `2>>`) as a word of
    /// its own before the file's, or joined to it (`<in.txt`). A word in single quotes that would be one
    /// (`'<'`, `'>out'`) is the word without its quotes, so a program can still be given a literal `<`. Returns
    /// the arguments left; a later redirection of a stream replaces an earlier one, as a shell's does.
    pub fn from_args(args: &[String]) -> Result<(Vec<String>, Stdio)> {
        let mut stdio = Stdio::default();
        let mut left = Vec::new();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            if let Some(literal) = word.strip_prefix('\'').and_then(|w| w.strip_suffix('\''))
                && operator(literal).is_some()
            {
                left.push(literal.to_string());
                continue;
            }
            let Some((op, joined)) = operator(word) else {
                left.push(word.clone());
                continue;
            };
            let file = match joined {
                "" => words.next().map(String::as_str).unwrap_or(""),
                file => file,
            };
            if file.is_empty() {
                return Err(Error::msg(format!("the redirection '{op}' names no file")));
            }
            let path = PathBuf::from(file);
            match op {
                "<" => stdio.input = Some(path),
                ">" | ">>" => stdio.output = Some(Redirect { path, append: op == ">>" }),
                _ => stdio.error = Some(Redirect { path, append: op == "2>>" }),
            }
        }
        Ok((left, stdio))
    }

    /// The redirections as they read after a command line (`CommandLine: prog a < in.txt > out.txt`); empty when
    /// there are none.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        if let Some(input) = &self.input {
            text.push_str(&format!(" < {}", input.display()));
        }
        for (redirect, op) in [(&self.output, ">"), (&self.error, "2>")] {
            if let Some(r) = redirect {
                text.push_str(&format!(" {op}{} {}", if r.append { ">" } else { "" }, r.path.display()));
            }
        }
        if let Some(terminal) = &self.terminal {
            text.push_str(&format!(" (on terminal {})", terminal.display()));
        }
        text
    }
}

/// The operator a word starts with, and the rest of the word.
fn operator(word: &str) -> Option<(&'static str, &str)> {
    OPERATORS.iter().find_map(|op| word.strip_prefix(op).map(|rest| (*op, rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<(Vec<String>, Stdio)> {
        Stdio::from_args(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn redirections_leave_the_arguments() {
        let (args, stdio) = parse(&["a", "<", "in.txt", ">>out.txt", "b", "2>", "err.txt"]).unwrap();
        assert_eq!(args, ["a", "b"]);
        assert_eq!(stdio.input, Some(PathBuf::from("in.txt")));
        assert_eq!(stdio.output, Some(Redirect { path: "out.txt".into(), append: true }));
        assert_eq!(stdio.error, Some(Redirect { path: "err.txt".into(), append: false }));
        assert_eq!(stdio.describe(), " < in.txt >> out.txt 2> err.txt");
    }

    #[test]
    fn quoted_operators_are_literal_and_a_missing_file_is_an_error() {
        let (args, stdio) = parse(&["'<'", "x", "'>y'", "'plain'", "a<b"]).unwrap();
        assert_eq!(args, ["<", "x", ">y", "'plain'", "a<b"]);
        assert_eq!(stdio, Stdio::default());
        assert_eq!(parse(&["a", ">"]).unwrap_err().to_string(), "the redirection '>' names no file");
        assert!(parse(&["<", ""]).is_err());
    }
}
