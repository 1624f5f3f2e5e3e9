//! The family of processes: `|` lists them, `|<n>s` switches, `.childdbg` says whether children are followed.

use rdb_engine::{Error, Result};

use super::Flow;
use crate::console::{Console, out};

/// `|`: list the processes being debugged; `|<n>s` (or `|<n>`) makes process `n` current.
pub fn processes(console: &mut Console, args: &str) -> Result<Flow> {
    let args = args.trim();
    if args.is_empty() || args == "*" {
        let mut rows: Vec<(u32, bool, u32, &'static str, String)> = Vec::new();
        let current = (&console.session, console.family.current, console.family.current_origin, true);
        let others = console.family.others.iter().map(|(m, o)| (&m.session, m.number, *o, false));
        for (session, number, origin, is_current) in std::iter::once(current).chain(others) {
            if !session.is_live() {
                continue;
            }
            let name = session
                .exe_path()
                .and_then(|p| windows_file_name(&p.to_string_lossy()))
                .unwrap_or_else(|| "?".to_string());
            rows.push((number, is_current, session.pid(), origin.name(), name));
        }
        rows.sort_by_key(|r| r.0);
        for (number, is_current, pid, origin, name) in rows {
            let mark = if is_current { '.' } else { ' ' };
            out(format!("{mark}{number:3}\tid: {pid:x}\t{origin}\tname: {name}"));
        }
        return Ok(Flow::Next);
    }
    let digits = args.trim_end_matches(['s', 'S']).trim();
    let number: u32 = digits.parse().map_err(|_| Error::msg(format!("Syntax error at '|{args}'")))?;
    if number == console.family.current {
        return Ok(Flow::Next);
    }
    if !console.family.others.iter().any(|(m, _)| m.number == number && m.session.is_live()) {
        return Err(Error::msg(format!("Illegal process error: no process {number}")));
    }
    console.switch_process(number);
    Ok(Flow::Next)
}

/// The last component of a path written with either separator (module paths from Windows use `\`).
fn windows_file_name(path: &str) -> Option<String> {
    path.rsplit(['\\', '/']).next().filter(|n| !n.is_empty()).map(str::to_string)
}

/// `.childdbg [0|1]`: show or change whether processes the debuggee creates are debugged too.
pub fn childdbg(console: &mut Console, args: &str) -> Result<Flow> {
    let on = match args.trim() {
        "" => {
            let state = if console.follow_children { "will" } else { "will not" };
            out(format!("Processes created by the current process {state} be debugged"));
            return Ok(Flow::Next);
        }
        "1" => true,
        "0" => false,
        other => return Err(Error::msg(format!("Syntax error at '.childdbg {other}': give 0 or 1"))),
    };
    console.follow_children = on;
    let state = if on { "will" } else { "will not" };
    match console.session.is_live().then(|| console.session.follow_children(on)) {
        Some(Err(e)) => {
            // Wine cannot change a running process's debug flags; a launch can still ask for it from the start.
            out(format!("Processes created by the current process {state} be debugged after .restart ({e})"));
        }
        _ => out(format!("Processes created by the current process {state} be debugged")),
    }
    Ok(Flow::Next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_either_kind_of_path() {
        assert_eq!(windows_file_name(r"Z:\tmp\w\ev.exe").as_deref(), Some("ev.exe"));
        assert_eq!(windows_file_name("/usr/bin/ls").as_deref(), Some("ls"));
    }
}
