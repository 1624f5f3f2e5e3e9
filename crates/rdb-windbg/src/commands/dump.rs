//! `.dump [/ma | /m | /core] [/o] <file>`: a dump of the stopped process, written by the engine's
//! `Debugger::write_dump`.

use rdb_engine::dump::DumpKind;
use rdb_engine::{Error, Result};

use super::{Cx, Flow};

pub fn dump(cx: &mut Cx, args: &str) -> Result<Flow> {
    let (kind, overwrite, path) = parse(args)?;
    cx.dbg.write_dump(kind, std::path::Path::new(&path), overwrite)?;
    for line in crate::report::dump_written_lines(&path, kind) {
        cx.out(line);
    }
    Ok(Flow::Next)
}

/// The options (WinDbg's `/ma`, `/m`, `/o`, and rdb's `/core`) and the file name, quoted or not.
fn parse(args: &str) -> Result<(DumpKind, bool, String)> {
    let mut kind = DumpKind::SmallMinidump;
    let mut overwrite = false;
    let mut rest = args.trim_start();
    while let Some(option) = rest.strip_prefix('/') {
        let end = option.find(char::is_whitespace).unwrap_or(option.len());
        // A Unix path starts with a slash too: an option is a short word of letters (`/tmp/x.dmp` is a file).
        if !looks_like_option(&option[..end]) {
            break;
        }
        match &option[..end] {
            "ma" => kind = DumpKind::FullMinidump,
            "m" => kind = DumpKind::SmallMinidump,
            "core" => kind = DumpKind::Core,
            "o" => overwrite = true,
            other => {
                return Err(Error::msg(format!(
                    "Syntax error: unknown .dump option '/{other}' (/ma a full minidump, /m a small one, /core an ELF \
                     core file, /o to overwrite)"
                )));
            }
        }
        rest = option[end..].trim_start();
    }
    let path = match crate::parse::take_quoted(rest) {
        Some(Ok((path, after))) if after.trim().is_empty() => path,
        Some(Ok(_)) => return Err(Error::msg("Syntax error: one file name after the options")),
        Some(Err(e)) => return Err(Error::msg(format!("Syntax error: {e}"))),
        None => rest.trim().to_string(),
    };
    if path.is_empty() {
        return Err(Error::msg("Syntax error: usage is .dump [/ma | /m | /core] [/o] <file>"));
    }
    Ok((kind, overwrite, path))
}

fn looks_like_option(word: &str) -> bool {
    !word.is_empty() && word.len() <= 5 && word.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::parse;
    use rdb_engine::dump::DumpKind;

    #[test]
    fn options_and_file_names() {
        assert_eq!(parse("/ma /o c:\\x.dmp").ok(), Some((DumpKind::FullMinidump, true, "c:\\x.dmp".to_string())));
        assert_eq!(parse("x.dmp").ok(), Some((DumpKind::SmallMinidump, false, "x.dmp".to_string())));
        assert_eq!(parse("/core \"a b.core\"").ok(), Some((DumpKind::Core, false, "a b.core".to_string())));
        assert!(parse("/mz x").is_err_and(|e| e.to_string().contains("'/mz'")));
        assert!(parse("/ma").is_err());
        assert_eq!(parse("/ma /tmp/x.dmp").ok(), Some((DumpKind::FullMinidump, false, "/tmp/x.dmp".to_string())));
        assert_eq!(parse("/o /core /tmp/c").ok(), Some((DumpKind::Core, true, "/tmp/c".to_string())));
        assert!(parse("/m a b").is_ok(), "an unquoted name with a blank is taken whole");
    }
}
