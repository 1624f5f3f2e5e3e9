//! Signals as the protocol numbers them. gdb's remote protocol has its own numbering (`enum gdb_signal`: SIGUSR1 is
//! 30, not Linux's 10), and a Windows exception reaches a gdb client as the signal gdb's own Windows port would
//! show (an access violation as SIGSEGV), so the client's `handle` table applies to both OSes.

use gdbstub::common::Signal;
use rdb_engine::target::ExceptionKind;

/// Linux's signal numbers against gdb's, for the signals both have.
/// SIGSTKFLT (16) has no gdb name.
const LINUX: [(i32, u8); 30] = [
    (1, 1),   // SIGHUP
    (2, 2),   // SIGINT
    (3, 3),   // SIGQUIT
    (4, 4),   // SIGILL
    (5, 5),   // SIGTRAP
    (6, 6),   // SIGABRT
    (7, 10),  // SIGBUS
    (8, 8),   // SIGFPE
    (9, 9),   // SIGKILL
    (10, 30), // SIGUSR1
    (11, 11), // SIGSEGV
    (12, 31), // SIGUSR2
    (13, 13), // SIGPIPE
    (14, 14), // SIGALRM
    (15, 15), // SIGTERM
    (17, 20), // SIGCHLD
    (18, 19), // SIGCONT
    (19, 17), // SIGSTOP
    (20, 18), // SIGTSTP
    (21, 21), // SIGTTIN
    (22, 22), // SIGTTOU
    (23, 16), // SIGURG
    (24, 24), // SIGXCPU
    (25, 25), // SIGXFSZ
    (26, 26), // SIGVTALRM
    (27, 27), // SIGPROF
    (28, 28), // SIGWINCH
    (29, 23), // SIGIO
    (30, 32), // SIGPWR
    (31, 12), // SIGSYS
];

/// gdb's number for a signal it does not know.
pub const UNKNOWN: Signal = Signal(143);

/// gdb's number for Linux signal `signo` (the real-time signals included).
pub fn from_linux(signo: i32) -> Signal {
    if let Some(&(_, gdb)) = LINUX.iter().find(|(l, _)| *l == signo) {
        return Signal(gdb);
    }
    match signo {
        // GDB_SIGNAL_REALTIME_32, then 33..63 from GDB_SIGNAL_REALTIME_33 (45).
        32 => Signal(77),
        33..=63 => Signal((signo - 33 + 45) as u8),
        _ => UNKNOWN,
    }
}

/// Linux's number for gdb's signal `signal`, `None` when Linux has no such signal.
pub fn to_linux(signal: Signal) -> Option<i32> {
    if let Some(&(linux, _)) = LINUX.iter().find(|(_, g)| *g == signal.0) {
        return Some(linux);
    }
    match signal.0 {
        77 => Some(32),
        45..=75 => Some(i32::from(signal.0) - 45 + 33),
        _ => None,
    }
}

/// The signal an exception (or a Unix signal) shows as to a gdb client.
pub fn of_exception(kind: &ExceptionKind) -> Signal {
    match kind {
        ExceptionKind::Breakpoint | ExceptionKind::SingleStep { .. } => Signal::SIGTRAP,
        ExceptionKind::BreakIn => Signal::SIGINT,
        ExceptionKind::AccessViolation { signal: Some(s), .. }
        | ExceptionKind::IllegalInstruction { signal: Some(s) }
        | ExceptionKind::IntegerDivideByZero { signal: Some(s) } => from_linux(*s),
        ExceptionKind::AccessViolation { signal: None, .. } | ExceptionKind::GuardPage { .. } => Signal::SIGSEGV,
        ExceptionKind::IllegalInstruction { signal: None } => Signal::SIGILL,
        ExceptionKind::IntegerDivideByZero { signal: None } => Signal::SIGFPE,
        ExceptionKind::Signal { signo } => from_linux(*signo),
        ExceptionKind::Other { code, .. } => windows_code(*code),
    }
}

/// gdb's Windows port's signal for an NTSTATUS exception code (`windows-nat.c`).
fn windows_code(code: u32) -> Signal {
    match code {
        0xc000_0005 | 0xc000_00fd | 0x8000_0001 => Signal::SIGSEGV, // access violation, stack overflow, guard page
        0xc000_008c..=0xc000_0095 | 0xc000_02b4 | 0xc000_02b5 => Signal::SIGFPE, // float and integer faults
        0xc000_001d | 0xc000_0096 => Signal::SIGILL,                // illegal and privileged instruction
        0x4001_0005 | 0x4001_0008 => Signal::SIGINT,                // DBG_CONTROL_C, DBG_CONTROL_BREAK
        0x8000_0003 | 0x8000_0004 | 0x4000_001f | 0x4000_001e => Signal::SIGTRAP,
        _ => UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linux_signal_round_trips() {
        for signo in (1..=15).chain(17..=64) {
            if signo == 64 {
                continue;
            }
            assert_eq!(to_linux(from_linux(signo)), Some(signo), "signal {signo}");
        }
        assert_eq!(from_linux(10), Signal::SIGUSR1);
        assert_eq!(from_linux(19), Signal::SIGSTOP);
        assert_eq!(from_linux(16), UNKNOWN);
    }
}
