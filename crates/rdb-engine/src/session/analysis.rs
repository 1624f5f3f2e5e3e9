//! `!analyze`: what the last exception stop says about the crash, as data: the exception, the instruction that
//! faulted and the access it made (read, write or execute; a null pointer named as such), the faulting thread's
//! stack in the exception's own context, and the frame to blame: the first one in the program's own code rather
//! than in the OS's or the language runtime's (which only passed the bad pointer on). WinDbg's words for it are the
//! front end's.

use super::exception_context::ContextOverride;
use super::modules::file_name;
use super::{Place, Session, StackFrame};
use crate::disasm::{self, Instruction};
use crate::error::Result;
use crate::regs::Registers;
use crate::target::{Access, Exception, ExceptionKind, Tid};

/// How many frames of the faulting thread an analysis shows.
const STACK_FRAMES: usize = 32;

/// Addresses below this are a null pointer plus a field's offset (Windows keeps the first 64 KiB unmapped for it).
const NULL_REGION: u64 = 0x10000;

/// The modules of the OS and of the language runtimes, by file name up to its first dot (any case, a version
/// after `-` or `_` allowed): a crash inside one of them is nearly always a bad argument from its caller, so the
/// blame goes to the first frame outside them.
const SYSTEM_MODULES: &[&str] = &[
    // Linux: the C library, the dynamic loader, the C++ and GCC runtimes, the vdso.
    "libc",
    "ld-linux-x86-64",
    "ld-linux",
    "libstdc++",
    "libgcc_s",
    "libpthread",
    "libm",
    "libdl",
    "linux-vdso",
    "vdso",
    "[vdso]",
    // Windows: the native API, the Win32 base, the C runtimes (MinGW's and Microsoft's).
    "ntdll",
    "kernel32",
    "kernelbase",
    "msvcrt",
    "ucrtbase",
    "vcruntime140",
    "msvcp140",
];

/// What the last exception stop says about the crash.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub tid: Tid,
    pub exception: Exception,
    /// The registers of the faulting thread when the exception was raised.
    pub registers: Registers,
    /// The instruction at the exception's address, where its bytes can be read.
    pub instruction: Option<Instruction>,
    /// The address the faulting instruction accessed (an access violation's), where known.
    pub fault_address: Option<u64>,
    /// What the faulting access did: from the exception record where it says, else from the instruction.
    pub access: Option<Access>,
    /// Whether the access went through a null pointer (an address within the first 64 KiB).
    pub null_pointer: bool,
    /// The faulting thread's stack, from the exception's context.
    pub stack: Vec<StackFrame>,
    /// The frame to blame, where any frame is in a module.
    pub blame: Option<Blame>,
}

/// The frame a crash is blamed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blame {
    /// Its index in [`Analysis::stack`].
    pub frame: usize,
    /// Where it is: module, symbol and offsets.
    pub place: Place,
    /// The module's file name (`crash.exe`, `libfoo.so.1`).
    pub image: String,
}

/// Whether `path`'s module is the OS's or a language runtime's (the list is `SYSTEM_MODULES` in this file).
pub fn is_system_module(path: &std::path::Path) -> bool {
    let file = file_name(path).to_ascii_lowercase();
    let stem = file.split('.').next().unwrap_or("");
    SYSTEM_MODULES
        .iter()
        .any(|m| stem == *m || stem.strip_prefix(m).is_some_and(|rest| rest.starts_with(['-', '_'])) || file == *m)
}

/// The access an exception made, as its record says or its instruction shows: an execute where the thread stood at
/// the address it could not reach.
fn access_of(exception: &Exception, fault_address: Option<u64>, code: &[u8]) -> Option<Access> {
    if fault_address.is_some_and(|a| a == exception.address) {
        return Some(Access::Execute);
    }
    match &exception.kind {
        ExceptionKind::AccessViolation { write: Some(true), .. } => Some(Access::Write),
        ExceptionKind::AccessViolation { write: Some(false), .. } => Some(Access::Read),
        ExceptionKind::GuardPage { access: Some(access), .. } => Some(*access),
        ExceptionKind::AccessViolation { .. } | ExceptionKind::GuardPage { .. } => {
            match disasm::writes_memory(code, exception.address)? {
                true => Some(Access::Write),
                false => Some(Access::Read),
            }
        }
        _ => None,
    }
}

impl Session {
    /// `!analyze`: the last exception stop analysed; `None` when the session stopped for no exception.
    pub fn analyze(&mut self) -> Result<Option<Analysis>> {
        if self.fault.is_none() {
            self.target()?;
            return Ok(None);
        }
        let fault = self.current_fault()?;
        let (tid, registers) = self.fault_registers()?;
        let exception = fault.exception;
        let fault_address = match &exception.kind {
            ExceptionKind::AccessViolation { fault_address, .. } => *fault_address,
            ExceptionKind::GuardPage { fault_address, .. } => Some(*fault_address),
            _ => None,
        };
        let mut code = [0u8; 16];
        let n = self.read_memory(exception.address, &mut code).unwrap_or(0);
        let access = access_of(&exception, fault_address, &code[..n]);
        let instruction = self.instruction_at(exception.address);
        // The stack as the exception left it, whatever context the user made current.
        let chosen = self.context.replace(ContextOverride { tid, registers });
        let stack = self.frames(tid, STACK_FRAMES);
        self.context = chosen;
        let stack = stack?;
        let blame = self.blame(&stack);
        Ok(Some(Analysis {
            tid,
            registers,
            null_pointer: fault_address.is_some_and(|a| a < NULL_REGION),
            exception,
            instruction,
            fault_address,
            access,
            stack,
            blame,
        }))
    }

    /// The first frame in a module of the program's own, else the first in any module.
    fn blame(&self, stack: &[StackFrame]) -> Option<Blame> {
        let framed: Vec<(&StackFrame, &super::Module)> =
            stack.iter().filter_map(|f| self.modules.at(f.pc).map(|m| (f, m))).collect();
        let (frame, module) = framed.iter().find(|(_, m)| !is_system_module(&m.path)).or(framed.first())?;
        Some(Blame { frame: frame.index, place: frame.place.clone()?, image: file_name(&module.path) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_os_and_the_runtimes_are_told_from_the_program() {
        for system in [
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/lib64/ld-linux-x86-64.so.2",
            "/usr/lib/libstdc++.so.6",
            "/lib/libgcc_s.so.1",
            "linux-vdso.so.1",
            "C:\\windows\\system32\\NTDLL.DLL",
            "C:\\windows\\system32\\KernelBase.dll",
            "Z:\\mingw\\libgcc_s_seh-1.dll",
            "Z:\\mingw\\libstdc++-6.dll",
            "C:\\windows\\system32\\ucrtbase.dll",
        ] {
            assert!(is_system_module(Path::new(system)), "{system}");
        }
        for program in ["/work/crash", "/usr/lib/libcrypto.so.3", "C:\\app\\libcore.dll", "C:\\app\\crash.exe"] {
            assert!(!is_system_module(Path::new(program)), "{program}");
        }
    }

    #[test]
    fn the_access_comes_from_the_record_else_the_instruction() {
        let av = |write, fault| Exception {
            kind: ExceptionKind::AccessViolation { fault_address: Some(fault), write, signal: Some(11) },
            address: 0x401000,
            first_chance: false,
        };
        // mov dword ptr [rax],1 ; mov eax,[rax]
        let store = [0xc7, 0x00, 0x01, 0, 0, 0];
        let load = [0x8b, 0x00];
        assert_eq!(access_of(&av(Some(true), 0), Some(0), &load), Some(Access::Write), "the record says");
        assert_eq!(access_of(&av(None, 0), Some(0), &store), Some(Access::Write));
        assert_eq!(access_of(&av(None, 0), Some(0), &load), Some(Access::Read));
        assert_eq!(access_of(&av(None, 0x401000), Some(0x401000), &[]), Some(Access::Execute));
        let divide = Exception {
            kind: ExceptionKind::IntegerDivideByZero { signal: Some(8) },
            address: 0x401000,
            first_chance: false,
        };
        assert_eq!(access_of(&divide, None, &[0xf7, 0xf9]), None);
    }
}
