//! The exception a minidump was written for, as the engine's [`ExceptionKind`]: a Windows dump records the
//! exception's NTSTATUS code and parameters, a Linux one (Breakpad, Crashpad) the signal's number as the code and its
//! `si_code` as the flags. Each is mapped as the live backend of its OS maps the same event.

use rdb_engine::target::ExceptionKind;

use crate::linux_signal::{SI_KERNEL, SIGTRAP, Signal, exception_kind};

const STATUS_BREAKPOINT: u32 = 0x8000_0003;
const STATUS_SINGLE_STEP: u32 = 0x8000_0004;
const STATUS_ACCESS_VIOLATION: u32 = 0xc000_0005;
const STATUS_ILLEGAL_INSTRUCTION: u32 = 0xc000_001d;
const STATUS_INTEGER_DIVIDE_BY_ZERO: u32 = 0xc000_0094;

/// Breakpad's code for a dump written on request, with no crash (`MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED`).
const DUMP_REQUESTED: u32 = 0xffff_ffff;

/// A Windows exception: its code and the parameters `ExceptionInformation` holds.
pub(crate) fn windows(code: u32, params: &[u64]) -> ExceptionKind {
    match code {
        STATUS_BREAKPOINT => ExceptionKind::Breakpoint,
        STATUS_SINGLE_STEP => ExceptionKind::SingleStep { dr6: 0 },
        STATUS_ACCESS_VIOLATION => ExceptionKind::AccessViolation {
            fault_address: params.get(1).copied(),
            // The first parameter is 0 for a read, 1 for a write, 8 for an execution DEP refused: the engine's
            // kind has no word for the last, so it says neither read nor write.
            write: match params.first() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            signal: None,
        },
        STATUS_ILLEGAL_INSTRUCTION => ExceptionKind::IllegalInstruction { signal: None },
        STATUS_INTEGER_DIVIDE_BY_ZERO => ExceptionKind::IntegerDivideByZero { signal: None },
        _ => ExceptionKind::Other { code, parameters: params.to_vec() },
    }
}

/// What a Linux dump's exception is, with the address it happened at: `rip` of the exception's thread, or (a
/// breakpoint) the int3 before it, as the live backend reports it. `None` for a dump written on request.
pub(crate) fn linux(signo: u32, si_code: u32, fault_address: u64, rip: u64) -> Option<(ExceptionKind, u64)> {
    let code = si_code as i32;
    // A trap the kernel raised: the int3's (reported on the int3, as the live backend does) or a step's.
    let kind = match signo {
        DUMP_REQUESTED => return None,
        s if s == SIGTRAP as u32 && code == SI_KERNEL => return Some((ExceptionKind::Breakpoint, rip.wrapping_sub(1))),
        s if s == SIGTRAP as u32 && code > 0 => ExceptionKind::SingleStep { dr6: 0 },
        _ => exception_kind(Signal { signo: signo as i32, info: Some((code, fault_address)) }),
    };
    Some((kind, rip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_codes() {
        let av = windows(STATUS_ACCESS_VIOLATION, &[1, 0x10]);
        assert_eq!(av, ExceptionKind::AccessViolation { fault_address: Some(0x10), write: Some(true), signal: None });
        let dep = windows(STATUS_ACCESS_VIOLATION, &[8, 0x4000]);
        assert_eq!(dep, ExceptionKind::AccessViolation { fault_address: Some(0x4000), write: None, signal: None });
        assert_eq!(windows(STATUS_INTEGER_DIVIDE_BY_ZERO, &[]).code(), STATUS_INTEGER_DIVIDE_BY_ZERO);
        assert_eq!(windows(STATUS_ILLEGAL_INSTRUCTION, &[]).code(), STATUS_ILLEGAL_INSTRUCTION);
        assert_eq!(windows(STATUS_BREAKPOINT, &[0]), ExceptionKind::Breakpoint);
        assert_eq!(windows(0xe06d_7363, &[1, 2]), ExceptionKind::Other { code: 0xe06d_7363, parameters: vec![1, 2] });
    }

    #[test]
    fn linux_signals() {
        const SEGV_MAPERR: u32 = 1;
        let (segv, at) = linux(crate::linux_signal::SIGSEGV as u32, SEGV_MAPERR, 0x10, 0x40_1000).unwrap();
        assert_eq!(segv, ExceptionKind::AccessViolation { fault_address: Some(0x10), write: None, signal: Some(11) });
        assert_eq!(at, 0x40_1000);
        let (int3, at) = linux(crate::linux_signal::SIGTRAP as u32, SI_KERNEL as u32, 0, 0x40_1001).unwrap();
        assert_eq!((int3, at), (ExceptionKind::Breakpoint, 0x40_1000));
        assert_eq!(
            linux(crate::linux_signal::SIGFPE as u32, 1, 0, 0).unwrap().0,
            ExceptionKind::IntegerDivideByZero { signal: Some(8) }
        );
        // SI_USER (0): someone sent the signal; it is only a signal.
        assert_eq!(linux(crate::linux_signal::SIGSEGV as u32, 0, 0, 0).unwrap().0, ExceptionKind::Signal { signo: 11 });
        assert_eq!(linux(6, (-6i32) as u32, 0, 0).unwrap().0, ExceptionKind::Signal { signo: 6 });
        assert_eq!(linux(DUMP_REQUESTED, 0, 0, 0), None);
    }
}
