//! `.lastevent`: the last event a process stopped for, in WinDbg's words: `Last event: 4d2.4d2: Hit breakpoint 0`
//! and the debugger's time (UTC).

use rdb_engine::session::{Stop, StopReason};
use rdb_engine::target::{Exception, ExceptionKind};

use super::date::date_time;
use super::{exception_lines, exit_line, ids, notice_lines};

/// What the event was, as `.lastevent` says it after `Last event: <pid>.<tid>: `.
fn event_text(stop: &Stop) -> String {
    // The event lines start `(pid.tid): `: `.lastevent` has its own prefix.
    let prefix = format!("{}: ", ids(stop.pid, stop.tid));
    let bare = |line: String| line.strip_prefix(&prefix).map(str::to_string).unwrap_or(line);
    let exception = |e: &Exception| exception_lines(stop.pid, stop.tid, e).into_iter().next().map(bare);
    match &stop.reason {
        StopReason::InitialBreakpoint | StopReason::BreakIn { .. } => {
            exception(&Exception { kind: ExceptionKind::Breakpoint, address: 0, first_chance: true })
        }
        StopReason::Breakpoint(ids) => {
            Some(ids.iter().map(|id| format!("Hit breakpoint {id}")).collect::<Vec<_>>().join(", "))
        }
        StopReason::Step => {
            exception(&Exception { kind: ExceptionKind::SingleStep { dr6: 0 }, address: 0, first_chance: true })
        }
        StopReason::Exception(e) => exception(e),
        StopReason::Event(notice) => notice_lines(notice).into_iter().next().map(bare),
        StopReason::ProcessExited(status) => Some(bare(exit_line(stop.pid, stop.tid, *status))),
        StopReason::Snapshot => Some("The dump was opened".to_string()),
        StopReason::OtherProcess { pid } => Some(format!("An event of process {pid:x}")),
    }
    .unwrap_or_default()
}

/// `.lastevent`'s lines for the last stop, with the time now (seconds since 1970, and milliseconds).
pub fn last_event_lines(stop: Option<&Stop>, now: (u64, u32)) -> Vec<String> {
    let (seconds, millis) = now;
    let time = date_time(seconds);
    // `Aug 05 02:36:44 2020` with the milliseconds after the seconds, as WinDbg shows them.
    let time = match time.rsplit_once(' ') {
        Some((day_time, year)) => format!("{day_time}.{millis:03} {year}"),
        None => time,
    };
    let event = match stop {
        Some(stop) => format!("Last event: {:x}.{:x}: {}", stop.pid, stop.tid, event_text(stop)),
        None => "Last event: <no event>".to_string(),
    };
    vec![event, format!("  debugger time: {time} (UTC)")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_windbg_says_them() {
        let stop = |reason| Stop { pid: 0x4d2, tid: 0x4d3, reason };
        let lines = last_event_lines(Some(&stop(StopReason::Breakpoint(vec![0]))), (1_596_594_604, 7));
        assert_eq!(lines, ["Last event: 4d2.4d3: Hit breakpoint 0", "  debugger time: Aug 05 02:30:04.007 2020 (UTC)"]);
        let initial = last_event_lines(Some(&stop(StopReason::InitialBreakpoint)), (0, 0));
        assert_eq!(initial[0], "Last event: 4d2.4d3: Break instruction exception - code 80000003 (first chance)");
        let exit =
            last_event_lines(Some(&stop(StopReason::ProcessExited(rdb_engine::target::ExitStatus::Code(3)))), (0, 0));
        assert_eq!(exit[0], "Last event: 4d2.4d3: Exit process 4d2, code 3");
        assert_eq!(last_event_lines(None, (0, 0))[0], "Last event: <no event>");
    }
}
