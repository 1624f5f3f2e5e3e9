//! The words and shapes of WinDbg, produced once for every front end: register dumps, event lines, stop headers,
//! the location line with its instruction, stacks, modules, and (in `blocks`) the Windows environment blocks and
//! (in `filters`) `sx`'s listing, (in `modules`) `lm`'s, (in `last_event`) `.lastevent`'s, (in `address`) `!address`,
//! (in `values`) variables and values, (in `vectors`) the wide registers.

mod address;
mod analysis;
mod blocks;
mod date;
mod dumps;
mod filters;
mod last_event;
mod modules;
mod values;
mod vectors;

pub use address::{address_map_lines, address_region_lines};
pub use analysis::analysis_lines;
pub use blocks::{peb_lines, teb_lines};
pub use date::file_time;
pub use dumps::dump_written_lines;
pub use filters::filter_lines;
pub use last_event::last_event_lines;
pub use modules::{ModuleDetails, module_details, module_row};
pub use values::{
    bitfield_text, bitfield_value, dt_type_name, dv_lines, dx_line, dx_more_lines, location_text, member_line, quoted,
    tag, value_text, variant_line,
};
pub use vectors::{Lanes, float_g, vector_line, x87_line};

use rdb_engine::disasm::Instruction;
use rdb_engine::fmt::addr64;
use rdb_engine::regs::Registers;
use rdb_engine::session::{
    HwAccess, Kind, Notice, Place, Session, StackFrame, Stop, StopReason, SymbolState, Symbolic, signal_name,
};
use rdb_engine::symbols::SourceLine;
use rdb_engine::target::{Exception, ExceptionKind, ExitStatus, Pid, SnapshotFormat, SnapshotOs, Tid};

/// `(pid.tid)` in hex, as WinDbg prefixes event lines.
pub fn ids(pid: Pid, tid: Tid) -> String {
    format!("({pid:x}.{tid:x})")
}

/// The flags part of a register dump: `nv up ei pl zr na po nc`.
pub fn flags(rflags: u64) -> String {
    let bit = |n: u32| rflags & (1 << n) != 0;
    let pick = |n, on: &'static str, off: &'static str| if bit(n) { on } else { off };
    [
        pick(11, "ov", "nv"),
        pick(10, "dn", "up"),
        pick(9, "ei", "di"),
        pick(7, "ng", "pl"),
        pick(6, "zr", "nz"),
        pick(4, "ac", "na"),
        pick(2, "pe", "po"),
        pick(0, "cy", "nc"),
    ]
    .join(" ")
}

/// WinDbg's `r` output.
pub fn register_dump(r: &Registers) -> Vec<String> {
    // Written digit by digit, not by `format!`: a dump is shown at every step of `t 0n20000`, where `format!`'s
    // padding was a tenth of the time of a step.
    let row = |cells: &[(&str, u64)]| {
        let mut line = String::with_capacity(64);
        for (i, (name, value)) in cells.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            line.push_str(&"   "[name.len().min(3)..]);
            line.push_str(name);
            line.push('=');
            push_hex(&mut line, *value, 16);
        }
        line
    };
    let mut segments = String::with_capacity(80);
    for (i, (name, value)) in
        [("cs", r.cs), ("ss", r.ss), ("ds", r.ds), ("es", r.es), ("fs", r.fs), ("gs", r.gs)].into_iter().enumerate()
    {
        if i > 0 {
            segments.push_str("  ");
        }
        segments.push_str(name);
        segments.push('=');
        push_hex(&mut segments, u64::from(value), 4);
    }
    segments.push_str("             efl=");
    push_hex(&mut segments, r.rflags, 8);
    vec![
        row(&[("rax", r.rax), ("rbx", r.rbx), ("rcx", r.rcx)]),
        row(&[("rdx", r.rdx), ("rsi", r.rsi), ("rdi", r.rdi)]),
        row(&[("rip", r.rip), ("rsp", r.rsp), ("rbp", r.rbp)]),
        row(&[("r8", r.r8), ("r9", r.r9), ("r10", r.r10)]),
        row(&[("r11", r.r11), ("r12", r.r12), ("r13", r.r13)]),
        row(&[("r14", r.r14), ("r15", r.r15)]),
        format!("iopl={:<9} {}", (r.rflags >> 12) & 3, flags(r.rflags)),
        segments,
    ]
}

/// `value`'s low `digits` hex digits, zero-padded, lower case.
fn push_hex(line: &mut String, value: u64, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [b'0'; 16];
    let digits = digits.min(16) as usize;
    for (i, digit) in text[..digits].iter_mut().enumerate() {
        *digit = HEX[((value >> (4 * (digits - 1 - i))) & 0xf) as usize];
    }
    line.push_str(std::str::from_utf8(&text[..digits]).unwrap_or_default());
}

/// An exception's WinDbg name and code.
pub fn exception_name(kind: &ExceptionKind) -> (String, u32) {
    let name = match kind {
        ExceptionKind::Breakpoint | ExceptionKind::BreakIn => "Break instruction exception".into(),
        ExceptionKind::SingleStep { .. } => "Single step exception".into(),
        ExceptionKind::AccessViolation { .. } => "Access violation".into(),
        ExceptionKind::GuardPage { .. } => "Guard page violation".into(),
        ExceptionKind::IllegalInstruction { .. } => "Illegal instruction".into(),
        ExceptionKind::IntegerDivideByZero { .. } => "Integer divide-by-zero".into(),
        ExceptionKind::Other { code: 0x4001_0005, .. } => "Control-C exception".to_string(),
        ExceptionKind::Other { code: 0xe06d_7363, .. } => "C++ EH exception".to_string(),
        ExceptionKind::Other { .. } => "Unknown exception".to_string(),
        ExceptionKind::Signal { signo } => format!("Signal {}", signal_name(*signo)),
    };
    (name, kind.code())
}

/// The lines an exception prints: `(pid.tid): Access violation - code c0000005 (first chance)` and what follows.
pub fn exception_lines(pid: Pid, tid: Tid, e: &Exception) -> Vec<String> {
    let (name, code) = exception_name(&e.kind);
    let chance = if e.first_chance { "(first chance)" } else { "(!!! second chance !!!)" };
    let mut lines = vec![format!("{}: {name} - code {code:08x} {chance}", ids(pid, tid))];
    let quiet = matches!(e.kind, ExceptionKind::Breakpoint | ExceptionKind::BreakIn | ExceptionKind::SingleStep { .. });
    if e.first_chance && !quiet {
        lines.push("First chance exceptions are reported before any exception handling.".into());
        lines.push("This exception may be expected and handled.".into());
    }
    if let ExceptionKind::AccessViolation { fault_address: Some(a), write, .. } = &e.kind {
        let verb = match write {
            Some(true) => "write to",
            Some(false) => "read from",
            None => "access",
        };
        lines.push(format!("Attempt to {verb} address {}", addr64(*a)));
    }
    lines
}

/// An exception record as `.exr` shows it: where, the code, and the parameters the OS passed with it (for an
/// access violation, the kind of access and the address, as Windows passes them).
pub fn exception_record_lines(e: &Exception, describe: &dyn Fn(u64) -> Option<String>) -> Vec<String> {
    let (name, code) = exception_name(&e.kind);
    let at = match describe(e.address) {
        Some(d) => format!("{} ({d})", addr64(e.address)),
        None => addr64(e.address),
    };
    let access = |write: Option<bool>| match write {
        Some(true) => 1,
        _ => 0,
    };
    let parameters: Vec<u64> = match &e.kind {
        ExceptionKind::AccessViolation { fault_address: Some(a), write, .. } => vec![access(*write), *a],
        ExceptionKind::GuardPage { fault_address, access: kind } => {
            let k = match kind {
                Some(rdb_engine::target::Access::Write) => 1,
                Some(rdb_engine::target::Access::Execute) => 8,
                _ => 0,
            };
            vec![k, *fault_address]
        }
        ExceptionKind::Other { parameters, .. } => parameters.clone(),
        _ => Vec::new(),
    };
    let mut lines = vec![
        format!("ExceptionAddress: {at}"),
        format!("   ExceptionCode: {code:08x} ({name})"),
        format!("  ExceptionFlags: {:08x}", u32::from(!e.first_chance)),
        format!("NumberParameters: {}", parameters.len()),
    ];
    for (i, p) in parameters.iter().enumerate() {
        lines.push(format!("   Parameter[{i}]: {p:016x}"));
    }
    if let ExceptionKind::AccessViolation { fault_address: Some(a), write, .. } = &e.kind {
        let verb = if *write == Some(true) { "write" } else { "read" };
        lines.push(format!("Attempt to {verb} from address {}", addr64(*a)).replace("write from", "write to"));
    }
    lines
}

/// What WinDbg says as a dump with an exception opens, before the exception itself.
pub fn dump_exception_lines() -> [&'static str; 2] {
    [
        "This dump file has an exception of interest stored in it.",
        "The stored exception information can be accessed via .ecxr.",
    ]
}

/// A process exit: `(pid.tid): Exit process 4d2, code 3`.
pub fn exit_line(pid: Pid, tid: Tid, status: ExitStatus) -> String {
    match status {
        ExitStatus::Code(c) => format!("{}: Exit process {pid:x}, code {c:x}", ids(pid, tid)),
        ExitStatus::Signal(s) => format!("{}: Exit process {pid:x}, signal {s} ({})", ids(pid, tid), signal_name(s)),
    }
}

/// The lines a notice prints, [`printable`](crate::printable) (front ends print them as they come, not through the
/// console): a notice carries the debuggee's text (module paths, debug strings).
pub fn notice_lines(notice: &Notice) -> Vec<String> {
    notice_text(notice).into_iter().map(|line| crate::printable(&line).into_owned()).collect()
}

fn notice_text(notice: &Notice) -> Vec<String> {
    match notice {
        Notice::ModuleLoaded { base, end, path } => {
            vec![format!("ModLoad: {} {}   {}", addr64(*base), addr64(*end), path.display())]
        }
        Notice::ModuleUnloaded { base, path } => vec![format!("Unload module {} at {}", path.display(), addr64(*base))],
        Notice::ThreadCreated { pid, tid, index } => {
            vec![format!("{}: Create thread {index}:{tid:x}", ids(*pid, *tid))]
        }
        Notice::ThreadExited { pid, tid, index, code } => {
            vec![format!("{}: Exit thread {index}:{tid:x}, code {code:x}", ids(*pid, *tid))]
        }
        Notice::ProcessExited { pid, tid, status } => vec![exit_line(*pid, *tid, *status)],
        Notice::ChildProcess { pid, tid, child, followed } => {
            let how = if *followed { "debugged as a process of its own" } else { "not debugged" };
            vec![format!("{}: Create process {child:x}: a child, {how}; breakpoints removed from it", ids(*pid, *tid))]
        }
        Notice::DebugString { text } => vec![text.trim_end_matches(['\n', '\r']).to_string()],
        Notice::RipError { pid, tid, error, kind } => {
            let severity = match kind {
                1 => "SLE_ERROR",
                2 => "SLE_MINORERROR",
                3 => "SLE_WARNING",
                _ => "no severity",
            };
            vec![format!("{}: RIP error {error} ({severity}): the system ended the debuggee", ids(*pid, *tid))]
        }
        Notice::Exception { pid, tid, exception } => exception_lines(*pid, *tid, exception),
        // One location is said by no line, as in WinDbg; several (a name that several functions answer to) are
        // counted, as gdb's "(N locations)".
        Notice::BreakpointResolved { id, addresses } if addresses.len() > 1 => {
            vec![format!("Breakpoint {id} resolved to {} locations", addresses.len())]
        }
        Notice::BreakpointResolved { .. } => Vec::new(),
        Notice::IndirectFunction { function, implementation, .. } => vec![format!(
            "{} is an indirect function: the breakpoint goes on the implementation the loader chose, {}",
            symbolic(function),
            symbolic(implementation)
        )],
        Notice::ConditionFailed { id, error } => {
            vec![format!("Error in testing condition for breakpoint {id}: {error}")]
        }
        Notice::BreakpointNotInserted { id, address, error } => {
            vec![format!("Unable to insert breakpoint {id} at {}: {error}; it is disabled", addr64(*address))]
        }
        Notice::InternalBreakpointNotInserted { address, error } => {
            vec![format!("Unable to insert an internal breakpoint at {}: {error}", addr64(*address))]
        }
        Notice::BreakpointStaysUnresolved { id, error } => vec![format!("Breakpoint {id} stays unresolved: {error}")],
        Notice::DebugRegistersRefused { tid, error } => {
            vec![format!("Unable to set the debug registers of thread {tid:x}: {error}")]
        }
        Notice::NoHardwareSlot { id } => {
            vec![format!("No hardware breakpoint slot left for breakpoint {id}; it is disabled")]
        }
        Notice::PageNotGuarded { id, page, error } => {
            vec![format!("Unable to guard page {} for breakpoint {id}: {error}; it is disabled", addr64(*page))]
        }
        Notice::ScratchMemoryKept { address, size, error } => {
            vec![format!("Unable to free the debugger's memory at {} ({size:#x} bytes): {error}", addr64(*address))]
        }
        Notice::LoaderListUnreadable { error } => {
            vec![format!("Unable to read the loader's module list: {error}; later loads are not reported")]
        }
        Notice::SnapshotOpened { os, format, warnings } => {
            let system = match os {
                SnapshotOs::Linux => "Linux",
                SnapshotOs::Windows => "Windows",
            };
            // WinDbg's words for a minidump; a core file has none of its own there.
            let kind = match format {
                SnapshotFormat::CoreFile => {
                    format!("{system} core dump file: only the process's writable memory and threads are available")
                }
                SnapshotFormat::Minidump => {
                    format!(
                        "User Mini Dump File ({system}): only registers, stacks and portions of memory are available"
                    )
                }
                SnapshotFormat::FullMinidump => {
                    format!("User Mini Dump File with Full Memory ({system}): only application data is available")
                }
            };
            let mut lines = vec![String::new(), kind, String::new()];
            lines.extend(warnings.iter().map(|w| format!("WARNING: {w}")));
            lines
        }
        Notice::ImageNotFound { name, path } => vec![format!(
            "no image for {name} ({}): its symbols and code are unknown; give its folder with -i or .exepath",
            path.display()
        )],
        Notice::ProcessError { number, resuming, error } => {
            let doing = if *resuming { "resuming" } else { "stopping" };
            vec![format!("^ {error} while {doing} process {number}")]
        }
    }
}

/// An address by its symbol, else as a bare address.
fn symbolic(s: &Symbolic) -> String {
    s.symbol.clone().unwrap_or_else(|| addr64(s.address))
}

/// The header of a stop: `Breakpoint 0 hit`, the exception line, and so on. The register dump and location follow
/// (see [`location_lines`]) for every stop of a live process.
pub fn stop_header(stop: &Stop) -> Vec<String> {
    match &stop.reason {
        StopReason::InitialBreakpoint | StopReason::BreakIn { .. } => {
            let e = Exception { kind: ExceptionKind::Breakpoint, address: 0, first_chance: true };
            let mut lines = exception_lines(stop.pid, stop.tid, &e);
            if let StopReason::BreakIn { injected_thread: Some(index) } = stop.reason {
                lines.push(format!(
                    "Break-in: thread {index} was created by the system to stop the debuggee; ~0s selects the main thread"
                ));
            }
            lines
        }
        StopReason::Breakpoint(ids) => ids.iter().map(|id| format!("Breakpoint {id} hit")).collect(),
        StopReason::Step | StopReason::Snapshot => Vec::new(),
        StopReason::Exception(e) => exception_lines(stop.pid, stop.tid, e),
        // The notice was printed as it happened.
        StopReason::Event(_) | StopReason::ProcessExited(_) => Vec::new(),
        // The front end hands over to that process's session, whose stop is the one shown.
        StopReason::OtherProcess { .. } => Vec::new(),
    }
}

/// `lm`'s symbol column, in WinDbg's words.
pub fn symbol_state(state: SymbolState) -> &'static str {
    match state {
        SymbolState::Deferred => "(deferred)",
        SymbolState::NoSymbols => "(no symbols)",
        SymbolState::Dwarf => "(dwarf symbols)",
        SymbolState::Pdb => "(pdb symbols)",
        SymbolState::Exports => "(export symbols)",
        SymbolState::Elf => "(elf symbols)",
    }
}

/// Where an address is, as WinDbg names it: `module!symbol+0xoff`, or the bare address outside every module.
pub fn place_name(place: Option<&Place>, address: u64) -> String {
    place.map_or_else(|| addr64(address), Place::name)
}

/// A frame's `Call Site` column: its place, and the source line when there is one (`[file @ line]`).
/// A frame's `Child-SP` and `RetAddr` columns; an inlined call has neither of its own, as WinDbg shows it:
/// `(Inline Function) --------`--------`.
pub fn frame_columns(frame: &StackFrame) -> (String, String) {
    match frame.inlined {
        Some(_) => ("(Inline Function)".into(), "--------`--------".into()),
        None => (addr64(frame.sp), addr64(frame.return_address.unwrap_or(0))),
    }
}

pub fn call_site(frame: &StackFrame) -> String {
    let mut site = place_name(frame.place.as_ref(), frame.pc);
    if let Some(line) = &frame.source {
        site.push_str(&format!(" [{} @ {}]", line.file.display(), line.line));
    }
    site
}

/// A frame's call site with its parameters, as `kp` (one line) and `kP` (`lines`: one line a parameter, each
/// starting with a tab) show it: `vars!walk(int depth = 0n2, struct point * p = 0x...)+0x1e [vars.c @ 30]`. A
/// frame without debug information shows its site as `k` does; a C++ symbol's own parameter list gives way to the
/// values.
pub fn call_site_with_parameters(frame: &StackFrame, parameters: Option<&[String]>, lines: bool) -> Vec<String> {
    let (Some(parameters), Some(place)) = (parameters, frame.place.as_ref()) else { return vec![call_site(frame)] };
    let Some(symbol) = &place.symbol else { return vec![call_site(frame)] };
    let function = match symbol.name.find('(') {
        Some(i) if !symbol.name.starts_with("operator") => &symbol.name[..i],
        _ => symbol.name.as_str(),
    };
    let offset = if symbol.offset == 0 { String::new() } else { format!("+{:#x}", symbol.offset) };
    let source = frame.source.as_ref().map(|l| format!(" [{} @ {}]", l.file.display(), l.line)).unwrap_or_default();
    if !lines {
        return vec![format!("{}!{function}({}){offset}{source}", place.module, parameters.join(", "))];
    }
    let mut out = vec![format!("{}!{function}(", place.module)];
    for (i, p) in parameters.iter().enumerate() {
        let end = if i + 1 == parameters.len() { format!("){offset}{source}") } else { ", ".into() };
        out.push(format!("\t\t\t{p}{end}"));
    }
    if parameters.is_empty() {
        out[0].push_str(&format!("void){offset}{source}"));
    }
    out
}

/// An instruction as one line of `u`: `00000000`00401126 4883ec10        sub     rsp,10h`. The bytes fill a
/// 16-column field (WinDbg's); longer byte strings push the text right, keeping one space.
pub fn instruction_line(i: &Instruction) -> String {
    let hex: String = i.bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{} {hex:<15} {}", addr64(i.address), i.text)
}

/// `module!symbol+0xoff:` and the instruction at `rip`, as WinDbg shows where a thread is.
pub fn location_lines(session: &mut Session, rip: u64) -> Vec<String> {
    location_lines_at(session, rip, None)
}

/// [`location_lines`] with the source line, when there is one to show: `module!symbol+0xoff [file @ line]:`, as
/// WinDbg shows a location with line information loaded (`.lines`, `l+l`) and in source mode (`l+t`).
pub fn location_lines_at(session: &mut Session, rip: u64, line: Option<&SourceLine>) -> Vec<String> {
    let mut place = session.describe(rip);
    if let Some(line) = line {
        place.push_str(&format!(" [{} @ {}]", line.file.display(), line.line));
    }
    let mut lines = vec![format!("{place}:")];
    match session.instruction_at(rip) {
        Some(i) => lines.push(instruction_line(&i)),
        None => lines.push(format!("{} ??              ???", addr64(rip))),
    }
    lines
}

/// What a data breakpoint saw at its hit: `hot!counter: 0x4 -> 0x5`, or for a read (`ba r`) that changed
/// nothing, `hot!counter: 0x5 (unchanged)`. `??` is a value that could not be read.
pub fn watch_line(name: &str, access: HwAccess, previous: Option<u64>, value: Option<u64>) -> String {
    let show = |v: Option<u64>| v.map_or_else(|| "??".to_string(), |v| format!("{v:#x}"));
    if access == HwAccess::ReadWrite && previous == value {
        format!("{name}: {} (unchanged)", show(value))
    } else {
        format!("{name}: {} -> {}", show(previous), show(value))
    }
}

/// The watch lines of the data breakpoints a stop is for, at the site each was hit at.
fn watch_lines(session: &Session, stop: &Stop) -> Vec<String> {
    let StopReason::Breakpoint(ids) = &stop.reason else { return Vec::new() };
    ids.iter()
        .filter_map(|id| session.breakpoints().get(*id))
        .filter_map(|b| match (b.spec.kind, b.last_hit.and_then(|a| b.site(a))) {
            (Kind::Hardware { access, .. }, Some(site)) if access != HwAccess::Execute => {
                Some(watch_line(&session.describe(site.address), access, site.previous, site.value))
            }
            _ => None,
        })
        .collect()
}

/// What a stop shows of its source, as the console's source options ask: the line for the location line
/// (`l+l`, `l+t`), and the source text shown before the registers (`l+s`: lines shaped by [`source_text_line`], or
/// the one line saying why there are none).
#[derive(Debug, Clone, Default)]
pub struct StopSource {
    pub line: Option<SourceLine>,
    pub text: Vec<String>,
}

/// Everything a stop prints for a thread: header, what data breakpoints saw, source text, registers, location.
pub fn stop_lines(session: &mut Session, stop: &Stop, source: &StopSource) -> Vec<String> {
    let mut lines = stop_header(stop);
    lines.extend(watch_lines(session, stop));
    if session.is_live()
        && let Ok(regs) = session.registers(stop.tid)
    {
        lines.extend(source.text.iter().cloned());
        lines.extend(register_dump(&regs));
        lines.extend(location_lines_at(session, regs.rip, source.line.as_ref()));
    }
    lines
}

/// One line of source as `ls`, `lsa` and `l+s` show it: `>` marks the current line, the number is right-aligned
/// in five columns: `>   27:     int b = fact(3);`.
pub fn source_text_line(number: u32, text: &str, current: bool) -> String {
    format!("{}{number:>5}: {text}", if current { '>' } else { ' ' })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdb_engine::disasm;

    #[test]
    fn register_dump_writes_every_digit_as_format_would() {
        let r = Registers {
            rax: u64::MAX,
            rbx: 0x0123_4567_89ab_cdef,
            r9: 0xf,
            rip: 0x5555_5555_517b,
            rflags: 0x3a57,
            cs: 0xffff,
            gs: 0x2b,
            ..Default::default()
        };
        let d = register_dump(&r);
        assert_eq!(d[0], format!("rax={:016x} rbx={:016x} rcx={:016x}", r.rax, r.rbx, r.rcx));
        assert_eq!(d[2], format!("rip={:016x} rsp={:016x} rbp={:016x}", r.rip, r.rsp, r.rbp));
        assert_eq!(d[3], format!(" r8={:016x}  r9={:016x} r10={:016x}", r.r8, r.r9, r.r10));
        assert_eq!(d[5], format!("r14={:016x} r15={:016x}", r.r14, r.r15));
        assert_eq!(
            d[7],
            format!(
                "cs={:04x}  ss={:04x}  ds={:04x}  es={:04x}  fs={:04x}  gs={:04x}             efl={:08x}",
                r.cs, r.ss, r.ds, r.es, r.fs, r.gs, r.rflags
            )
        );
    }

    #[test]
    fn flags_read_as_windbg() {
        assert_eq!(flags(0x246), "nv up ei pl zr na pe nc");
        assert_eq!(flags(0x202), "nv up ei pl nz na po nc");
    }

    #[test]
    fn register_dump_shape() {
        let r = Registers { rax: 1, rflags: 0x246, cs: 0x33, ss: 0x2b, ..Default::default() };
        let d = register_dump(&r);
        assert_eq!(d[0], "rax=0000000000000001 rbx=0000000000000000 rcx=0000000000000000");
        assert_eq!(d[3], " r8=0000000000000000  r9=0000000000000000 r10=0000000000000000");
        assert_eq!(d[6], "iopl=0         nv up ei pl zr na pe nc");
        assert!(d[7].starts_with("cs=0033  ss=002b"));
        assert!(d[7].ends_with("efl=00000246"));
    }

    #[test]
    fn instruction_lines_pad_the_bytes_to_sixteen_columns() {
        let line = |bytes: &[u8], address: u64| instruction_line(&disasm::decode(bytes, address, 1, &|_| None)[0]);
        assert_eq!(line(&[0x55], 0x401126), "00000000`00401126 55              push    rbp");
        assert_eq!(line(&[0x48, 0x83, 0xec, 0x10], 0x401126), "00000000`00401126 4883ec10        sub     rsp,10h");
        let call = |a: u64| (a == 0x401126).then(|| "demo!add".to_string());
        let i = &disasm::decode(&[0xe8, 0xd1, 0xff, 0xff, 0xff], 0x401150, 1, &call)[0];
        assert_eq!(instruction_line(i), "00000000`00401150 e8d1ffffff      call    demo!add (00000000`00401126)");
        // 8 bytes exactly fill the field; 9 push the text right, keeping one space.
        assert_eq!(
            line(&[0x48, 0x8b, 0x84, 0x24, 0xa0, 0, 0, 0], 0),
            "00000000`00000000 488b8424a0000000 mov     rax,qword ptr [rsp+0A0h]"
        );
        assert_eq!(
            line(&[0x48, 0xc7, 0x44, 0x24, 0x28, 0, 0, 0, 0], 0),
            "00000000`00000000 48c744242800000000 mov     qword ptr [rsp+28h],0"
        );
    }

    #[test]
    fn symbol_states_read_as_lm_words_them() {
        assert_eq!(symbol_state(SymbolState::Deferred), "(deferred)");
        assert_eq!(symbol_state(SymbolState::NoSymbols), "(no symbols)");
        assert_eq!(symbol_state(SymbolState::Dwarf), "(dwarf symbols)");
        assert_eq!(symbol_state(SymbolState::Pdb), "(pdb symbols)");
        assert_eq!(symbol_state(SymbolState::Exports), "(export symbols)");
        assert_eq!(symbol_state(SymbolState::Elf), "(elf symbols)");
    }

    #[test]
    fn source_lines_mark_the_current_one() {
        assert_eq!(source_text_line(27, "    int b = fact(3);", true), ">   27:     int b = fact(3);");
        assert_eq!(source_text_line(9, "{", false), "     9: {");
        assert_eq!(source_text_line(123456, "x", false), " 123456: x");
    }

    #[test]
    fn watch_line_shapes() {
        assert_eq!(watch_line("hot!counter", HwAccess::Write, Some(4), Some(5)), "hot!counter: 0x4 -> 0x5");
        assert_eq!(watch_line("hot!counter", HwAccess::ReadWrite, Some(5), Some(5)), "hot!counter: 0x5 (unchanged)");
        assert_eq!(watch_line("x", HwAccess::Write, None, Some(1)), "x: ?? -> 0x1");
    }

    #[test]
    fn breakpoint_notices_read_as_windbg_users_know_them() {
        use rdb_engine::Error;
        let one = |n: Notice| notice_lines(&n).join("\n");
        let at = |address: u64, symbol: Option<&str>| Symbolic { address, symbol: symbol.map(str::to_string) };
        assert_eq!(one(Notice::BreakpointResolved { id: 0, addresses: vec![0x401000] }), "", "said by no line");
        assert_eq!(
            one(Notice::BreakpointResolved { id: 3, addresses: vec![0x401000, 0x401100] }),
            "Breakpoint 3 resolved to 2 locations"
        );
        assert_eq!(
            one(Notice::IndirectFunction {
                id: 0,
                function: at(0x7fff_f7e4_0000, Some("libc!strlen")),
                implementation: at(0x7fff_f7f2_0000, None),
            }),
            "libc!strlen is an indirect function: the breakpoint goes on the implementation the loader chose, \
             00007fff`f7f20000"
        );
        assert_eq!(
            one(Notice::ConditionFailed { id: 2, error: Error::MemoryAccess(0) }),
            "Error in testing condition for breakpoint 2: Memory access error at 00000000`00000000"
        );
        assert_eq!(
            one(Notice::BreakpointNotInserted { id: 1, address: 0x401000, error: Error::msg("Input/output error") }),
            "Unable to insert breakpoint 1 at 00000000`00401000: Input/output error; it is disabled"
        );
        assert_eq!(
            one(Notice::InternalBreakpointNotInserted { address: 0x401000, error: Error::msg("denied") }),
            "Unable to insert an internal breakpoint at 00000000`00401000: denied"
        );
        assert_eq!(
            one(Notice::BreakpointStaysUnresolved { id: 3, error: Error::MemoryAccess(0x10) }),
            "Breakpoint 3 stays unresolved: Memory access error at 00000000`00000010"
        );
        assert_eq!(
            one(Notice::DebugRegistersRefused { tid: 0x4d2, error: Error::msg("Invalid argument") }),
            "Unable to set the debug registers of thread 4d2: Invalid argument"
        );
        assert_eq!(
            one(Notice::NoHardwareSlot { id: 4 }),
            "No hardware breakpoint slot left for breakpoint 4; it is disabled"
        );
        assert_eq!(
            one(Notice::PageNotGuarded { id: 0, page: 0x404000, error: Error::msg("denied") }),
            "Unable to guard page 00000000`00404000 for breakpoint 0: denied; it is disabled"
        );
        assert_eq!(
            one(Notice::ScratchMemoryKept { address: 0x4000_0000, size: 0x10000, error: Error::msg("denied") }),
            "Unable to free the debugger's memory at 00000000`40000000 (0x10000 bytes): denied"
        );
        assert_eq!(
            one(Notice::LoaderListUnreadable { error: Error::MemoryAccess(0x4000_0000) }),
            "Unable to read the loader's module list: Memory access error at 00000000`40000000; later loads are not \
             reported"
        );
    }

    #[test]
    fn exception_lines_shape() {
        let e = Exception {
            kind: ExceptionKind::AccessViolation { fault_address: Some(0), write: Some(true), signal: Some(11) },
            address: 0x401000,
            first_chance: false,
        };
        let l = exception_lines(0x4d2, 0x4d3, &e);
        assert_eq!(l[0], "(4d2.4d3): Access violation - code c0000005 (!!! second chance !!!)");
        assert_eq!(l[1], "Attempt to write to address 00000000`00000000");
        let s = Exception { kind: ExceptionKind::Signal { signo: 10 }, address: 0, first_chance: true };
        assert_eq!(exception_lines(1, 1, &s)[0], "(1.1): Signal SIGUSR1 - code 0000000a (first chance)");
    }
}
