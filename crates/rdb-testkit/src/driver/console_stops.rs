//! The console's output (docs/console.md) read back as data for [`super::ConsoleDriver`]: a stop (`Breakpoint 0
//! hit`, an exception line, the register dump and the `module!sym+0xoff:` location line, the exit line), `bl` ids,
//! `db` rows, `r` and `?` values, error lines. Pure text in, values out, so it is unit-tested on the doc's samples.

use regex::Regex;

use super::StopReason;
use crate::shapes::{ADDR, addr, regs_re};

/// What the console prints at a stop, before the driver asks for the thread and the source line.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ConsoleStop {
    pub reason: StopReason,
    /// The pid of an exception or exit line `(<pid>.<tid>)`.
    pub pid: Option<u32>,
    /// The tid of an exception or exit line.
    pub thread: Option<u32>,
    /// `rip` of the register dump.
    pub pc: Option<u64>,
    /// The location line without its offset, unless it is a bare address.
    pub function: Option<String>,
}

/// The last stop in `text`: the output of one command that ran the debuggee (everything since the previous one).
pub(super) fn parse_stop(text: &str) -> Result<ConsoleStop, String> {
    let last_dump = last_match(&format!(r"(?m){}([^\n]+):\n", regs_re()), text);
    let last_exit = last_match(
        r"\(([0-9a-f]+)\.([0-9a-f]+)\): Exit process [0-9a-f]+, (?:code ([0-9a-f]+)|signal (\d+) \(\w+\))\r?\n",
        text,
    );
    let dump_start = last_dump.as_ref().map(|(start, _)| *start);
    if let Some((exit_start, e)) = &last_exit
        && dump_start.is_none_or(|d| *exit_start > d)
    {
        let reason = match (e.get(3), e.get(4)) {
            (Some(code), _) => StopReason::Exited { code: hex(code.as_str())? },
            (_, Some(signal)) => {
                StopReason::Signaled { signal: signal.as_str().parse().map_err(|e| format!("signal number: {e}"))? }
            }
            _ => unreachable!("the exit pattern has a code or a signal"),
        };
        return Ok(ConsoleStop { reason, pid: Some(hex(&e[1])?), thread: Some(hex(&e[2])?), pc: None, function: None });
    }
    let Some((start, stop)) = last_dump else {
        return Err("no stop (register dump and location line) and no process exit in the output".into());
    };
    let rip = Regex::new(r"rip=([0-9a-f]{16})").unwrap();
    let pc = rip.captures(stop.get(0).unwrap().as_str()).map(|c| addr(&c[1]));
    let function = function_of(&stop[1]);
    let (reason, pid, thread) = event_before(&text[..start])?;
    Ok(ConsoleStop { reason, pid, thread, pc, function })
}

/// The event a stop's register dump follows: the `Breakpoint <n> hit` lines or the exception line nearest before
/// it (a break-in under Wine adds its `Break-in:` line after the exception line).
fn event_before(text: &str) -> Result<(StopReason, Option<u32>, Option<u32>), String> {
    const HIT: &str = r"(?m)^Breakpoint (\d+) hit\r?$";
    let last_hit = last_match(HIT, text);
    let last_exception = last_match(
        r"(?m)^\(([0-9a-f]+)\.([0-9a-f]+)\): (.+) - code ([0-9a-f]{8}) \((first chance|!!! second chance !!!)\)\r?$",
        text,
    );
    match (last_hit, last_exception) {
        (Some((at, last)), exception) if exception.as_ref().is_none_or(|(e, _)| at > *e) => {
            // Every `Breakpoint <n> hit` line of the run that ends with the last one.
            let hit = Regex::new(HIT).unwrap();
            let mut ids: Vec<u32> =
                text[..at].lines().rev().map_while(|l| hit.captures(l).map(|c| c[1].parse().unwrap())).collect();
            ids.reverse();
            ids.push(last[1].parse().unwrap());
            Ok((StopReason::Breakpoint { ids }, None, None))
        }
        (_, Some((at, c))) => {
            let (pid, tid, code) = (hex(&c[1])?, hex(&c[2])?, hex(&c[4])?);
            let break_in = text[at..].lines().nth(1).is_some_and(|l| l.starts_with("Break-in: "));
            let reason = if break_in {
                StopReason::BreakIn
            } else {
                StopReason::Exception { code, name: c[3].to_string(), first_chance: &c[5] == "first chance" }
            };
            Ok((reason, Some(pid), Some(tid)))
        }
        _ => Err("a stop with neither a `Breakpoint <n> hit` line nor an exception line before it".into()),
    }
}

/// The last match of `pattern` in `text`: where it starts, and its groups.
fn last_match<'t>(pattern: &str, text: &'t str) -> Option<(usize, regex::Captures<'t>)> {
    let re = Regex::new(pattern).unwrap_or_else(|e| panic!("bad regex {pattern:?}: {e}"));
    re.captures_iter(text).last().map(|c| (c.get(0).unwrap().start(), c))
}

/// `hello!add` of the location line `hello!add+0x8`; `None` for a bare address.
fn function_of(location: &str) -> Option<String> {
    if Regex::new(&format!("^{ADDR}$")).unwrap().is_match(location) {
        return None;
    }
    let function = match location.rsplit_once("+0x") {
        Some((name, offset)) if offset.chars().all(|c| c.is_ascii_hexdigit()) => name,
        _ => location,
    };
    Some(function.to_string())
}

/// The ids of the rows `bl` printed.
pub(super) fn breakpoint_ids(text: &str) -> Vec<u32> {
    let row = Regex::new(r"(?m)^ *(\d+) [ed]u? ").unwrap();
    row.captures_iter(text).map(|c| c[1].parse().unwrap()).collect()
}

/// The bytes of the `db` rows in `text`, which must cover `len` bytes from `address`, every one readable.
pub(super) fn dumped_bytes(text: &str, address: u64, len: usize) -> Result<Vec<u8>, String> {
    // `<addr64>  xx xx xx xx xx xx xx xx-xx xx xx xx xx xx xx xx  <text>`: 16 slots of two characters, three apart.
    let row = Regex::new(&format!(r"(?m)^({ADDR})  (.{{47}})")).unwrap();
    let mut bytes = Vec::with_capacity(len);
    for c in row.captures_iter(text) {
        let at = addr(&c[1]);
        if at != address + bytes.len() as u64 {
            return Err(format!("a db row at {at:#x} where {:#x} was due", address + bytes.len() as u64));
        }
        for slot in c[2].as_bytes().chunks(3) {
            match std::str::from_utf8(&slot[..2]).unwrap() {
                "  " => break,
                "??" => return Err(format!("the byte at {:#x} is unreadable", address + bytes.len() as u64)),
                hex_byte => {
                    bytes.push(u8::from_str_radix(hex_byte, 16).map_err(|e| format!("db byte {hex_byte:?}: {e}"))?)
                }
            }
        }
    }
    if bytes.len() != len {
        return Err(format!("db showed {} bytes, {len} were asked for", bytes.len()));
    }
    Ok(bytes)
}

/// The value `r <name>` printed (`rax=000000000000000a`).
pub(super) fn register_value(text: &str, name: &str) -> Result<u64, String> {
    let re = Regex::new(&format!(r"(?m)^{}=([0-9a-f]+)\r?$", regex::escape(name))).unwrap();
    let c = re.captures(text).ok_or_else(|| format!("no `{name}=<value>` line"))?;
    u64::from_str_radix(&c[1], 16).map_err(|e| format!("{name}: {e}"))
}

/// The first error line (`^ ...`) in `text`.
pub(super) fn error_line(text: &str) -> Option<&str> {
    text.lines().find(|l| l.starts_with("^ "))
}

fn hex(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text, 16).map_err(|e| format!("not a hex number: {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::REGISTER_DUMP_SAMPLE;

    const DUMP: &str = REGISTER_DUMP_SAMPLE;

    #[test]
    fn a_breakpoint_stop() {
        let text =
            format!("Hello, rdb!\nBreakpoint 0 hit\n{DUMP}prog!add:\n00005555`55555149 55              push    rbp\n");
        let stop = parse_stop(&text).unwrap();
        assert_eq!(stop.reason, StopReason::Breakpoint { ids: vec![0] });
        assert_eq!((stop.pc, stop.function.as_deref()), (Some(0x5555_5555_5149), Some("prog!add")));
        assert_eq!((stop.pid, stop.thread), (None, None));
    }

    #[test]
    fn two_breakpoints_at_one_address_and_an_offset() {
        let text =
            format!("Breakpoint 1 hit\nBreakpoint 3 hit\n{DUMP}prog!main+0x1c:\n00005555`55555149 55  push rbp\n");
        let stop = parse_stop(&text).unwrap();
        assert_eq!(stop.reason, StopReason::Breakpoint { ids: vec![1, 3] });
        assert_eq!(stop.function.as_deref(), Some("prog!main"));
    }

    #[test]
    fn an_exception_after_an_earlier_hit() {
        let text = format!(
            "Breakpoint 0 hit\n{DUMP}prog!f:\n00005555`55555149 55  push rbp\n\
             (4d2.4d3): Access violation - code c0000005 (first chance)\n\
             First chance exceptions are reported before any exception handling.\n\
             This exception may be expected and handled.\n\
             Attempt to write to address 00000000`00000000\n{DUMP}00005555`55555150:\n00005555`55555150 c60000  mov byte ptr [rax],0\n"
        );
        let stop = parse_stop(&text).unwrap();
        let want = StopReason::Exception { code: 0xc000_0005, name: "Access violation".into(), first_chance: true };
        assert_eq!(stop.reason, want);
        assert_eq!((stop.pid, stop.thread, stop.function), (Some(0x4d2), Some(0x4d3), None));
    }

    #[test]
    fn a_second_chance_and_a_break_in() {
        let second = format!(
            "(4d2.4d2): Integer divide-by-zero - code c0000094 (!!! second chance !!!)\n{DUMP}prog!divide+0x8:\n0 x\n"
        );
        let reason = parse_stop(&second).unwrap().reason;
        assert!(matches!(reason, StopReason::Exception { code: 0xc000_0094, first_chance: false, .. }), "{reason:?}");
        let break_in = format!(
            "(20.2c): Break instruction exception - code 80000003 (first chance)\n\
             Break-in: thread 1 was created by the system to stop the debuggee; ~0s selects the main thread\n\
             {DUMP}ntdll!DbgBreakPoint:\n0 x\n"
        );
        assert_eq!(parse_stop(&break_in).unwrap().reason, StopReason::BreakIn);
    }

    #[test]
    fn exits_by_code_and_by_signal() {
        let text = format!("Breakpoint 0 hit\n{DUMP}prog!f:\n0 x\ncounter=10\n(4d2.4d2): Exit process 4d2, code b\n");
        let stop = parse_stop(&text).unwrap();
        assert_eq!((stop.reason, stop.pc, stop.thread), (StopReason::Exited { code: 0xb }, None, Some(0x4d2)));
        // A program's own output may be cut into the line.
        let text = "about to crash(4d2.4d2): Exit process 4d2, signal 11 (SIGSEGV)\n";
        assert_eq!(parse_stop(text).unwrap().reason, StopReason::Signaled { signal: 11 });
        assert!(parse_stop("nothing here\n").is_err());
    }

    #[test]
    fn db_rows_bl_rows_registers_and_errors() {
        // As the console pads a short row: every slot two characters wide.
        let row = |at: &str, bytes: &[&str]| {
            let slots: Vec<String> = (0..16).map(|i| bytes.get(i).unwrap_or(&"  ").to_string()).collect();
            format!("{at}  {}-{}  ..\n", slots[..8].join(" "), slots[8..].join(" "))
        };
        let full = ["48", "65", "6c", "6c", "6f", "2c", "20", "72", "64", "62", "21", "00", "01", "02", "03", "04"];
        let db = row("00005555`55556004", &full) + &row("00005555`55556014", &["05", "06"]);
        let bytes = dumped_bytes(&db, 0x5555_5555_6004, 18).unwrap();
        assert_eq!(&bytes[..12], b"Hello, rdb!\0");
        assert_eq!(&bytes[12..], &[1, 2, 3, 4, 5, 6]);
        assert!(dumped_bytes(&db, 0x5555_5555_6000, 18).is_err());
        assert!(dumped_bytes(&row("00000000`00001000", &["??", "??"]), 0x1000, 2).is_err());
        let bl = " 0 e Disable Clear  00005555`55555149     0001 (0001)  0:**** prog!main hits=1\n\
                   1 d Enable Clear  00005555`55555150     0001 (0001)  0:**** prog!f\n\
                   2 eu             0001 (0001) (nosuch!f)\n";
        assert_eq!(breakpoint_ids(bl), vec![0, 1, 2]);
        assert_eq!(register_value("rdi=0000000000000007\n", "rdi"), Ok(7));
        assert_eq!(
            error_line("x\n^ Syntax error at '<EOL>' in '? 1 +'\n"),
            Some("^ Syntax error at '<EOL>' in '? 1 +'")
        );
    }
}
