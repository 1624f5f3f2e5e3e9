//! How this machine writes a command line: what WinDbg prints as `CommandLine:`, the same for the first launch and
//! every `.restart`. On Windows it is the very string the program is started with: `CreateProcessW` takes one line,
//! which the program's C runtime splits back into its arguments by the MSVC rules. On Linux a program gets its
//! arguments as a list; the line is written as a POSIX shell would read it back into that list. It is the host's
//! to say, not the target's: `CommandLine:` comes before the process exists (and when it cannot be started), and
//! on Windows the target is given this line to start the process with. Both renderings are plain text built on every
//! OS, so both are tested wherever the tests run.

use std::path::Path;

/// `program` and `args` as this OS writes a command line.
pub fn native(program: &Path, args: &[String]) -> String {
    let program = program.to_string_lossy();
    let words = std::iter::once(program.as_ref()).chain(args.iter().map(String::as_str));
    if cfg!(windows) { msvc(words) } else { posix_shell(words) }
}

/// Words a POSIX shell reads back as they are: each that holds anything but letters, digits and `@%+=:,./_-` (or is
/// empty) in single quotes, a single quote in it written `'\''`.
pub fn posix_shell<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let quote = |word: &str| {
        let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
        if !word.is_empty() && word.chars().all(plain) {
            word.to_string()
        } else {
            format!("'{}'", word.replace('\'', r"'\''"))
        }
    };
    words.into_iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Words the MSVC runtime (and `CommandLineToArgvW`) splits back as they are: each that holds a space, tab, newline or
/// quote (or is empty) in double quotes, a quote in it escaped with a backslash, and the backslashes before a quote
/// or the closing quote doubled; other backslashes are literal.
pub fn msvc<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words.into_iter().map(msvc_word).collect::<Vec<_>>().join(" ")
}

fn msvc_word(word: &str) -> String {
    if !word.is_empty() && !word.contains([' ', '\t', '"', '\n']) {
        return word.to_string();
    }
    let mut out = String::from("\"");
    let mut backslashes = 0;
    for c in word.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.extend(std::iter::repeat_n('\\', backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            _ => {
                out.extend(std::iter::repeat_n('\\', backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.extend(std::iter::repeat_n('\\', backslashes * 2));
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posix_shell_reads_each_word_back() {
        assert_eq!(posix_shell(["/bin/prog", "a", "-x=1,2", "@f"]), "/bin/prog a -x=1,2 @f");
        assert_eq!(posix_shell(["two words", "", "$HOME", "*"]), "'two words' '' '$HOME' '*'");
        assert_eq!(posix_shell([r#"say "hi""#, "it's"]), r#"'say "hi"' 'it'\''s'"#);
    }

    #[test]
    fn the_msvc_runtime_splits_each_word_back() {
        assert_eq!(msvc(["a.exe", "x", "y z"]), r#"a.exe x "y z""#);
        assert_eq!(msvc(["", "it's", r"c:\dir\f"]), r#""" it's c:\dir\f"#);
        assert_eq!(msvc([r#"a"b"#, r#"say "hi""#]), r#""a\"b" "say \"hi\"""#);
        assert_eq!(msvc([r"c:\dir with space\", r#"x\"y"#]), r#""c:\dir with space\\" "x\\\"y""#);
    }
}
