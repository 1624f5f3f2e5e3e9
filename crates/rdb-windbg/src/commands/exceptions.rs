//! Commands about the last exception, live or in a dump: `.ecxr` (its register context made current) and
//! `!analyze` (the engine's analysis of it, in WinDbg's sections). `.exr -1` is in `session_cmds.rs`.

use rdb_engine::session::file_name;
use rdb_engine::{Error, Result};

use super::{Cx, Flow};
use crate::report;

/// `.ecxr`: the exception's thread becomes the current thread and its registers at the exception the current
/// context (`r`, `k`, `dv`, `.frame`), until `~Ns` chooses a thread again; shown as `r` shows registers.
pub fn ecxr(cx: &mut Cx, _args: &str) -> Result<Flow> {
    let tid = cx.session().use_exception_context()?;
    cx.console.choose_thread(cx.dbg, tid);
    // The exception's own frame, whatever `.frame` chose before.
    cx.console.choose_frame(cx.dbg, 0);
    let regs = cx.session().registers(tid)?;
    for line in report::register_dump(&regs) {
        cx.out(line);
    }
    for line in report::location_lines(cx.session(), regs.rip) {
        cx.out(line);
    }
    Ok(Flow::Next)
}

/// `!analyze [-v]`: what the last exception says about the crash (the verbose sections either way).
pub fn analyze(cx: &mut Cx, args: &str) -> Result<Flow> {
    let args = args.trim();
    if !(args.is_empty() || args == "-v") {
        return Err(Error::msg(format!("Syntax error at '!analyze {args}': the options are -v or none")));
    }
    let Some(analysis) = cx.session().analyze()? else {
        cx.out("There is nothing to analyze: the debuggee stopped for no exception (.lastevent says why)");
        return Ok(Flow::Next);
    };
    let session = cx.dbg.session();
    let process = session.exe_path().map(|p| file_name(p));
    let lines = report::analysis_lines(&analysis, process.as_deref(), &|a| session.modules.describe(a));
    for line in lines {
        cx.out(line);
    }
    Ok(Flow::Next)
}
