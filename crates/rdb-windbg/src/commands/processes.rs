//! The family of processes: `|` lists them, `|<n>s` switches, `.childdbg` says whether children are followed.

use rdb_engine::debugger::Origin;
use rdb_engine::{Error, Result};

use super::Cx;
use super::Flow;

/// `|`: list the processes being debugged; `|<n>s` (or `|<n>`) makes process `n` current.
pub fn processes(cx: &mut Cx, args: &str) -> Result<Flow> {
    let args = args.trim();
    if args.is_empty() || args == "*" {
        let current = cx.dbg.current().number;
        let mut rows: Vec<(u32, bool, u32, &'static str, String)> = Vec::new();
        for p in cx.dbg.processes().filter(|p| p.session.is_live()) {
            let name = p
                .session
                .exe_path()
                .and_then(|path| windows_file_name(&path.to_string_lossy()))
                .unwrap_or_else(|| "?".to_string());
            rows.push((p.number, p.number == current, p.session.pid(), origin_name(p.origin), name));
        }
        rows.sort_by_key(|r| r.0);
        for (number, is_current, pid, origin, name) in rows {
            let mark = if is_current { '.' } else { ' ' };
            cx.out(format!("{mark}{number:3}\tid: {pid:x}\t{origin}\tname: {name}"));
        }
        return Ok(Flow::Next);
    }
    let digits = args.trim_end_matches(['s', 'S']).trim();
    let number: u32 = digits.parse().map_err(|_| Error::msg(format!("Syntax error at '|{args}'")))?;
    cx.dbg.switch_process(number)?;
    Ok(Flow::Next)
}

/// `|`'s word for how a process came to be debugged.
fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Create => "create",
        Origin::Attach => "attach",
        Origin::Child => "child",
        // WinDbg's word for a process opened from a dump.
        Origin::Dump => "examine",
    }
}

/// The last component of a path written with either separator (module paths from Windows use `\`).
fn windows_file_name(path: &str) -> Option<String> {
    path.rsplit(['\\', '/']).next().filter(|n| !n.is_empty()).map(str::to_string)
}

/// `.childdbg [0|1]`: show or change whether processes the debuggee creates are debugged too.
pub fn childdbg(cx: &mut Cx, args: &str) -> Result<Flow> {
    let on = match args.trim() {
        "" => {
            let state = if cx.dbg.follows_children() { "will" } else { "will not" };
            cx.out(format!("Processes created by the current process {state} be debugged"));
            return Ok(Flow::Next);
        }
        "1" => true,
        "0" => false,
        other => return Err(Error::msg(format!("Syntax error at '.childdbg {other}': give 0 or 1"))),
    };
    let state = if on { "will" } else { "will not" };
    cx.session().check_can_change()?;
    match cx.dbg.set_follow_children(on) {
        Err(e) => {
            // Wine cannot change a running process's debug flags; a launch can still ask for it from the start.
            cx.out(format!("Processes created by the current process {state} be debugged after .restart ({e})"));
        }
        Ok(()) => cx.out(format!("Processes created by the current process {state} be debugged")),
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
