//! The exception a Linux dump's signal stands for (a core's NT_SIGINFO, a Linux minidump's exception stream), as the
//! Linux backend words a live signal (`rdb-linux`'s `siginfo.rs`): only the part of that mapping a dump can meet.
//! A dump has no debugger's guard page or break-in, so the live mapping's other cases never arise here; and a dump
//! is read on any OS, so the numbers are Linux's own, written out rather than taken from the `libc` of the machine
//! rdb runs on.

use rdb_engine::target::ExceptionKind;

pub(crate) const SIGILL: i32 = 4;
pub(crate) const SIGTRAP: i32 = 5;
pub(crate) const SIGBUS: i32 = 7;
pub(crate) const SIGFPE: i32 = 8;
pub(crate) const SIGSEGV: i32 = 11;
/// si_code of a signal the kernel raised without a fault address of its own (a general-protection fault, an int3).
pub(crate) const SI_KERNEL: i32 = 0x80;
/// si_code of SIGFPE for an integer division by zero.
pub(crate) const FPE_INTDIV: i32 = 1;

/// What the dump says about the signal: from `NT_SIGINFO` when the core has one, else only the number
/// (`pr_cursig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signal {
    pub signo: i32,
    /// `si_code` and `si_addr`, where a siginfo was recorded.
    pub info: Option<(i32, u64)>,
}

/// The exception a signal the process died of (or was stopped by, for a `gcore`) stands for.
pub(crate) fn exception_kind(s: Signal) -> ExceptionKind {
    // A positive si_code: raised by the kernel for the instruction the thread ran. Without a siginfo a fault signal
    // is taken as one: that is how a process ends up dumped with it.
    let kernel = s.info.is_none_or(|(code, _)| code > 0);
    match s.signo {
        SIGSEGV | SIGBUS if kernel => {
            let fault_address = s.info.and_then(|(code, address)| (code != SI_KERNEL).then_some(address));
            ExceptionKind::AccessViolation { fault_address, write: None, signal: Some(s.signo) }
        }
        SIGILL if kernel => ExceptionKind::IllegalInstruction { signal: Some(s.signo) },
        SIGFPE if s.info.is_some_and(|(code, _)| code == FPE_INTDIV) => {
            ExceptionKind::IntegerDivideByZero { signal: Some(s.signo) }
        }
        // SIGTRAP (a gcore taken at a breakpoint: gdb has put rip back on the breakpoint's address already), SIGABRT
        // and the rest: the signal by number.
        signo => ExceptionKind::Signal { signo },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGABRT: i32 = 6;

    #[test]
    fn signals_as_the_live_backend_words_them() {
        let segv = Signal { signo: SIGSEGV, info: Some((1, 0x10)) };
        assert_eq!(
            exception_kind(segv),
            ExceptionKind::AccessViolation { fault_address: Some(0x10), write: None, signal: Some(SIGSEGV) }
        );
        let gp = Signal { signo: SIGSEGV, info: Some((SI_KERNEL, 0)) };
        assert!(matches!(exception_kind(gp), ExceptionKind::AccessViolation { fault_address: None, .. }));
        let bare = Signal { signo: SIGSEGV, info: None };
        assert!(matches!(exception_kind(bare), ExceptionKind::AccessViolation { fault_address: None, .. }));
        let sent = Signal { signo: SIGSEGV, info: Some((0, 0)) };
        assert_eq!(exception_kind(sent), ExceptionKind::Signal { signo: SIGSEGV }, "kill -SEGV is no fault");
        let div = Signal { signo: SIGFPE, info: Some((FPE_INTDIV, 0x1000)) };
        assert_eq!(exception_kind(div), ExceptionKind::IntegerDivideByZero { signal: Some(SIGFPE) });
        let ill = Signal { signo: SIGILL, info: Some((2, 0x1000)) };
        assert_eq!(exception_kind(ill), ExceptionKind::IllegalInstruction { signal: Some(SIGILL) });
        for signo in [SIGTRAP, SIGABRT] {
            assert_eq!(exception_kind(Signal { signo, info: Some((0x80, 0)) }), ExceptionKind::Signal { signo });
        }
    }
}
