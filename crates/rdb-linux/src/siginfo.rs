//! What a signal-delivery stop means: the engine's exception for a signal and its siginfo, and whether the debuggee
//! would die of the signal if it were delivered (which decides the emulated second chance).

use rdb_engine::target::ExceptionKind;

use crate::procfs;

/// DR6's single-step bit (BS).
const DR6_STEP: u64 = 1 << 14;
/// si_code of SIGFPE for an integer division by zero.
const FPE_INTDIV: i32 = 1;
/// si_code of SIGSEGV for an access the page's protection forbids.
const SEGV_ACCERR: i32 = 2;

/// A signal the debuggee receives if the engine does not handle the exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deliver {
    pub signo: i32,
    /// Raised by the kernel for the instruction the thread executed (a fault or trap), not sent by someone.
    pub fault: bool,
}

/// What the backend knows about one signal-delivery stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop {
    pub signo: i32,
    pub code: i32,
    pub fault_address: u64,
    pub rip: u64,
    /// The thread was resumed with PTRACE_SINGLESTEP.
    pub stepping: bool,
    pub dr6: u64,
    /// The debugger's interrupter asked for a stop.
    pub break_in: bool,
    /// The fault address lies in a page the debugger armed as a guard page.
    pub guarded: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Translated {
    pub kind: ExceptionKind,
    pub address: u64,
    pub deliver: Option<Deliver>,
}

/// The exception a signal-delivery stop stands for.
pub(crate) fn translate(s: &Stop) -> Translated {
    let kernel = s.code > 0;
    let deliver = Some(Deliver { signo: s.signo, fault: kernel });
    let at = |kind: ExceptionKind, deliver: Option<Deliver>| Translated { kind, address: s.rip, deliver };
    match s.signo {
        libc::SIGTRAP if s.code == libc::SI_KERNEL => {
            // int3: rip is past the breakpoint byte, as on Windows.
            Translated { kind: ExceptionKind::Breakpoint, address: s.rip.wrapping_sub(1), deliver }
        }
        libc::SIGTRAP if s.stepping => {
            // The step the debugger asked for; whatever si_code it came with (TRAP_BRKPT after a syscall).
            let dr6 = if s.dr6 & (DR6_STEP | 0xf) == 0 { s.dr6 | DR6_STEP } else { s.dr6 };
            at(ExceptionKind::SingleStep { dr6 }, None)
        }
        // A debug register the debugger set.
        libc::SIGTRAP if s.code == libc::TRAP_HWBKPT => at(ExceptionKind::SingleStep { dr6: s.dr6 }, None),
        // The debuggee's own trap flag (or a trap after a syscall it stepped itself).
        libc::SIGTRAP if kernel => at(ExceptionKind::SingleStep { dr6: s.dr6 }, deliver),
        // A page the debugger made inaccessible: its guard page fired. The program never sees the signal.
        libc::SIGSEGV if s.guarded && s.code == SEGV_ACCERR => {
            at(ExceptionKind::GuardPage { fault_address: s.fault_address, access: None }, None)
        }
        libc::SIGSEGV | libc::SIGBUS if kernel => {
            let fault_address = (s.code != libc::SI_KERNEL).then_some(s.fault_address);
            at(ExceptionKind::AccessViolation { fault_address, write: None, signal: Some(s.signo) }, deliver)
        }
        libc::SIGILL if kernel => at(ExceptionKind::IllegalInstruction { signal: Some(s.signo) }, deliver),
        libc::SIGFPE if s.code == FPE_INTDIV => {
            at(ExceptionKind::IntegerDivideByZero { signal: Some(s.signo) }, deliver)
        }
        // The interrupter's SIGSTOP: never delivered.
        libc::SIGSTOP if s.break_in => at(ExceptionKind::BreakIn, None),
        // Ctrl-C typed on a terminal the debuggee has (the kernel sends it, to the foreground process group): the
        // user's break-in, as when rdb has the terminal, and never delivered, as gdb keeps it from the program.
        libc::SIGINT if s.code == libc::SI_KERNEL => at(ExceptionKind::BreakIn, None),
        signo => at(ExceptionKind::Signal { signo }, deliver),
    }
}

/// Whether a signal's default action ends the process.
fn default_terminates(signo: i32) -> bool {
    !matches!(
        signo,
        libc::SIGCHLD
            | libc::SIGCONT
            | libc::SIGSTOP
            | libc::SIGTSTP
            | libc::SIGTTIN
            | libc::SIGTTOU
            | libc::SIGURG
            | libc::SIGWINCH
    ) && (1..=64).contains(&signo)
}

/// Whether delivering `d` to thread `tid` would end the process: the debuggee neither catches nor ignores it and
/// its default action terminates, or it is a synchronous fault that is blocked or ignored (the kernel then forces
/// the default action). When /proc cannot tell, the answer is no (the signal is simply delivered).
pub(crate) fn would_terminate(pid: i32, tid: i32, d: Deliver) -> bool {
    if !(1..=64).contains(&d.signo) {
        return false;
    }
    let bit = 1u64 << (d.signo - 1);
    let (Some(caught), Some(ignored), Some(blocked)) = (
        procfs::signal_set(pid, None, "SigCgt"),
        procfs::signal_set(pid, None, "SigIgn"),
        procfs::signal_set(pid, Some(tid), "SigBlk"),
    ) else {
        return false;
    };
    let synchronous =
        d.fault && matches!(d.signo, libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP);
    if synchronous && (blocked | ignored) & bit != 0 {
        return true;
    }
    (caught | ignored) & bit == 0 && default_terminates(d.signo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(signo: i32, code: i32) -> Stop {
        Stop { signo, code, fault_address: 0x10, rip: 0x1000, stepping: false, dr6: 0, break_in: false, guarded: false }
    }

    #[test]
    fn int3_reports_the_breakpoint_byte() {
        let t = translate(&stop(libc::SIGTRAP, libc::SI_KERNEL));
        assert_eq!(t.kind, ExceptionKind::Breakpoint);
        assert_eq!(t.address, 0xfff);
        assert_eq!(t.deliver, Some(Deliver { signo: libc::SIGTRAP, fault: true }));
    }

    #[test]
    fn a_requested_step_is_a_single_step_whatever_its_code() {
        let t = translate(&Stop { stepping: true, ..stop(libc::SIGTRAP, libc::TRAP_BRKPT) });
        assert_eq!(t.kind, ExceptionKind::SingleStep { dr6: DR6_STEP });
        assert_eq!(t.address, 0x1000);
        assert_eq!(t.deliver, None);
    }

    #[test]
    fn faults_and_signals() {
        let t = translate(&stop(libc::SIGSEGV, 1));
        assert_eq!(
            t.kind,
            ExceptionKind::AccessViolation { fault_address: Some(0x10), write: None, signal: Some(libc::SIGSEGV) }
        );
        // Sent with kill(): an ordinary signal, not a fault.
        assert_eq!(translate(&stop(libc::SIGSEGV, libc::SI_USER)).kind, ExceptionKind::Signal { signo: 11 });
        assert_eq!(
            translate(&stop(libc::SIGFPE, FPE_INTDIV)).kind,
            ExceptionKind::IntegerDivideByZero { signal: Some(8) }
        );
        let b = translate(&Stop { break_in: true, ..stop(libc::SIGSTOP, libc::SI_USER) });
        assert_eq!((b.kind, b.deliver), (ExceptionKind::BreakIn, None));
        let typed = translate(&stop(libc::SIGINT, libc::SI_KERNEL));
        assert_eq!((typed.kind, typed.deliver), (ExceptionKind::BreakIn, None), "Ctrl-C on the debuggee's terminal");
        let sent = translate(&stop(libc::SIGINT, libc::SI_USER));
        assert_eq!(sent.kind, ExceptionKind::Signal { signo: libc::SIGINT }, "kill -INT is the program's signal");
        assert_eq!(translate(&stop(libc::SIGSTOP, libc::SI_USER)).kind, ExceptionKind::Signal { signo: 19 });
        assert_eq!(translate(&stop(40, -1)).kind, ExceptionKind::Signal { signo: 40 });
    }

    #[test]
    fn a_fault_in_a_guarded_page_is_a_guard_page_never_delivered() {
        let t = translate(&Stop { guarded: true, ..stop(libc::SIGSEGV, SEGV_ACCERR) });
        assert_eq!(t.kind, ExceptionKind::GuardPage { fault_address: 0x10, access: None });
        assert_eq!((t.address, t.deliver), (0x1000, None));
        // The page was unmapped meanwhile: an ordinary fault.
        let unmapped = translate(&Stop { guarded: true, ..stop(libc::SIGSEGV, 1) });
        assert!(matches!(unmapped.kind, ExceptionKind::AccessViolation { .. }));
        assert!(matches!(translate(&stop(libc::SIGSEGV, SEGV_ACCERR)).kind, ExceptionKind::AccessViolation { .. }));
    }

    #[test]
    fn default_actions() {
        assert!(default_terminates(libc::SIGSEGV));
        assert!(default_terminates(libc::SIGRTMIN() + 1));
        assert!(!default_terminates(libc::SIGCHLD));
        assert!(!default_terminates(libc::SIGSTOP));
        assert!(!default_terminates(0));
    }
}
