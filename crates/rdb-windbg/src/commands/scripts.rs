//! Commands that read or write files of the session: `$$<` and `$$><` run a script file, `.logopen` and
//! `.logclose` copy the session's text to a log.

use std::path::PathBuf;

use rdb_engine::{Error, Result};

use super::{Cx, Flow};

/// `$$< file`: the file's lines run one by one, each as if typed.
pub fn run_lines(cx: &mut Cx, args: &str) -> Result<Flow> {
    cx.console.queue_script(&file_name(args)?, false)?;
    Ok(Flow::Next)
}

/// `$$>< file`: the file's lines joined into one line of commands.
pub fn run_joined(cx: &mut Cx, args: &str) -> Result<Flow> {
    cx.console.queue_script(&file_name(args)?, true)?;
    Ok(Flow::Next)
}

/// `.logopen [/t] [/u] file`: start copying the session's text to `file` (emptied first; `.logappend` keeps it).
pub fn logopen(cx: &mut Cx, args: &str) -> Result<Flow> {
    open_log(cx, args, false)
}

/// `.logappend [/t] file`: as `.logopen`, adding to the file.
pub fn logappend(cx: &mut Cx, args: &str) -> Result<Flow> {
    open_log(cx, args, true)
}

fn open_log(cx: &mut Cx, args: &str, append: bool) -> Result<Flow> {
    let mut rest = args.trim();
    let mut stamped = false;
    // An option is a slash and letters (`/t`); a word with more slashes is a path (`/tmp/x.log`).
    loop {
        let (word, after) = rest.split_at(rest.find(char::is_whitespace).unwrap_or(rest.len()));
        let Some(option) = word.strip_prefix('/').filter(|o| o.chars().all(|c| c.is_ascii_alphabetic())) else {
            break;
        };
        match option {
            "t" => stamped = true,
            _ => return Err(Error::msg(format!("Syntax error at '/{option}': the option is /t"))),
        }
        rest = after.trim_start();
    }
    let mut path = file_name(rest)?;
    if stamped {
        path = stamp(&path);
    }
    let log = cx.console.log();
    if let Some(old) = log.close() {
        cx.out(format!("Closing open log file {}", old.display()));
    }
    log.open(&path, append).map_err(|e| Error::msg(format!("Unable to open log file '{}': {e}", path.display())))?;
    cx.out(format!("Opened log file '{}'", path.display()));
    Ok(Flow::Next)
}

/// `.logclose`.
pub fn logclose(cx: &mut Cx, args: &str) -> Result<Flow> {
    if !args.trim().is_empty() {
        return Err(Error::msg(format!("Syntax error at '{}': .logclose takes no arguments", args.trim())));
    }
    let log = cx.console.log();
    match log.path() {
        // Said before closing, so the log ends with it, as WinDbg's does.
        Some(path) => {
            cx.out(format!("Closing open log file {}", path.display()));
            log.close();
        }
        None => cx.out("No log file open"),
    }
    Ok(Flow::Next)
}

/// A file name: the rest of the command, in double quotes if it has blanks (`"my script.txt"`; no escapes, so a
/// Windows path reads as it is written).
fn file_name(args: &str) -> Result<PathBuf> {
    let args = args.trim();
    let name = args.strip_prefix('"').and_then(|a| a.strip_suffix('"')).unwrap_or(args);
    if name.is_empty() {
        return Err(Error::msg("Syntax error at '<EOL>': a file name is needed"));
    }
    Ok(PathBuf::from(name))
}

/// `.logopen /t`: rdb's process id and the date and time (UTC) put before the extension, as WinDbg does
/// (`session.log` becomes `session_1a2b_2024-05-06_12-34-56-789.log`).
fn stamp(path: &std::path::Path) -> PathBuf {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut name =
        format!("{stem}_{:04x}_{}", std::process::id(), crate::report::file_time(now.as_secs(), now.subsec_millis()));
    if let Some(ext) = path.extension() {
        name.push('.');
        name.push_str(&ext.to_string_lossy());
    }
    path.with_file_name(name)
}
