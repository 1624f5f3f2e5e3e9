//! `!analyze -v`: the engine's [`Analysis`] of the last exception in WinDbg's sections (`EXCEPTION_RECORD`,
//! `FAULTING_IP`, `READ_ADDRESS`, `STACK_TEXT`, `SYMBOL_NAME`, `FAILURE_BUCKET_ID`...), the subset a crash's reader
//! acts on.

use rdb_engine::fmt::addr64;
use rdb_engine::session::Analysis;
use rdb_engine::target::{Access, ExceptionKind};

use super::{exception_name, exception_record_lines, register_dump};

/// The banner WinDbg opens an analysis with.
const BANNER: [&str; 5] = [
    "*******************************************************************************",
    "*                                                                             *",
    "*                        Exception Analysis                                   *",
    "*                                                                             *",
    "*******************************************************************************",
];

/// What the failure was, as WinDbg's bucket names it (`NULL_POINTER_WRITE`, `INVALID_POINTER_READ`...).
fn problem_class(a: &Analysis) -> String {
    let access = match a.access {
        Some(Access::Read) => "READ",
        Some(Access::Write) => "WRITE",
        Some(Access::Execute) => "EXECUTE",
        None => "ACCESS",
    };
    match (&a.exception.kind, a.access) {
        (ExceptionKind::AccessViolation { .. }, Some(Access::Execute)) if a.null_pointer => {
            "NULL_INSTRUCTION_PTR".into()
        }
        (ExceptionKind::AccessViolation { .. }, Some(Access::Execute)) => "BAD_INSTRUCTION_PTR".into(),
        (ExceptionKind::AccessViolation { .. }, _) if a.null_pointer => format!("NULL_POINTER_{access}"),
        (ExceptionKind::AccessViolation { .. }, _) => format!("INVALID_POINTER_{access}"),
        (ExceptionKind::IntegerDivideByZero { .. }, _) => "INTEGER_DIVIDE_BY_ZERO".into(),
        (ExceptionKind::IllegalInstruction { .. }, _) => "ILLEGAL_INSTRUCTION".into(),
        (ExceptionKind::Breakpoint | ExceptionKind::BreakIn, _) => "BREAKPOINT".into(),
        (ExceptionKind::GuardPage { .. }, _) => "GUARD_PAGE".into(),
        _ => "APPLICATION_FAULT".into(),
    }
}

/// `!analyze -v`'s lines for `a`; `process` is the executable's file name, where known.
pub fn analysis_lines(a: &Analysis, process: Option<&str>, describe: &dyn Fn(u64) -> Option<String>) -> Vec<String> {
    let mut lines: Vec<String> = BANNER.iter().map(|l| l.to_string()).collect();
    let section = |lines: &mut Vec<String>, head: String| {
        lines.push(String::new());
        lines.push(head);
    };
    let class = problem_class(a);
    let (name, code) = exception_name(&a.exception.kind);

    section(&mut lines, "CONTEXT:  (.ecxr)".into());
    lines.extend(register_dump(&a.registers));

    section(&mut lines, "EXCEPTION_RECORD:  (.exr -1)".into());
    lines.extend(exception_record_lines(&a.exception, describe));

    section(&mut lines, "FAULTING_IP: ".into());
    lines.push(describe(a.exception.address).unwrap_or_else(|| addr64(a.exception.address)));
    lines.push(match &a.instruction {
        Some(i) => {
            let bytes: String = i.bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("{} {bytes:<16}{}", addr64(i.address), i.text)
        }
        None => format!("{} ??              ???", addr64(a.exception.address)),
    });

    if let Some(process) = process {
        section(&mut lines, format!("PROCESS_NAME:  {process}"));
    }
    if let Some(fault) = a.fault_address {
        let what = match a.access {
            Some(Access::Write) => "WRITE_ADDRESS",
            Some(Access::Execute) => "EXECUTE_ADDRESS",
            _ => "READ_ADDRESS",
        };
        section(&mut lines, format!("{what}:  {} ", addr64(fault)));
    }
    let numbering = match a.exception.kind {
        ExceptionKind::Signal { .. } => "signal",
        _ => "NTSTATUS",
    };
    section(&mut lines, format!("ERROR_CODE: ({numbering}) {code:#x} - {name}"));
    section(&mut lines, format!("EXCEPTION_CODE_STR:  {code:x}"));
    if a.null_pointer {
        section(&mut lines, format!("PRIMARY_PROBLEM_CLASS:  {class}"));
    }
    section(&mut lines, format!("FAULTING_THREAD:  {:x}", a.tid));

    section(&mut lines, "STACK_TEXT:  ".into());
    for f in &a.stack {
        let site = f.place.as_ref().map(|p| p.name()).unwrap_or_else(|| addr64(f.pc));
        lines.push(format!("{} {}     : {site}", addr64(f.sp), addr64(f.return_address.unwrap_or(0))));
    }

    let blamed = a.blame.as_ref();
    let function = blamed.and_then(|b| {
        let symbol = b.place.symbol.as_ref()?;
        Some((format!("{}!{}", b.place.module, symbol.name), symbol.offset))
    });
    if let Some((function, offset)) = &function {
        section(&mut lines, format!("SYMBOL_NAME:  {function}+{offset:x}"));
    }
    if let Some(b) = blamed {
        section(&mut lines, format!("MODULE_NAME: {}", b.place.module));
        section(&mut lines, format!("IMAGE_NAME:  {}", b.image));
    }
    section(&mut lines, "STACK_COMMAND:  .ecxr ; kb".into());
    let site = match (blamed, &function) {
        (Some(b), Some(_)) => {
            let symbol = b.place.symbol.as_ref().map(|s| s.name.as_str()).unwrap_or("Unknown");
            format!("{}!{symbol}", b.image)
        }
        (Some(b), None) => format!("{}!Unknown", b.image),
        _ => "Unknown_Module!Unknown".to_string(),
    };
    section(&mut lines, format!("FAILURE_BUCKET_ID:  {class}_{code:x}_{site}"));
    if let Some((_, offset)) = &function {
        section(&mut lines, format!("BUCKET_ID_FUNC_OFFSET:  {offset:x}"));
    }
    section(&mut lines, "Followup:     MachineOwner".into());
    lines.push("---------".into());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdb_engine::regs::Registers;
    use rdb_engine::session::{Blame, Place, StackFrame, SymbolOffset};
    use rdb_engine::target::Exception;

    fn analysis(kind: ExceptionKind, access: Option<Access>, fault: Option<u64>) -> Analysis {
        let place = Place {
            module: "crash".into(),
            module_offset: 0x1139,
            symbol: Some(SymbolOffset { name: "main".into(), offset: 0x13 }),
        };
        let frame = StackFrame {
            index: 0,
            pc: 0x401139,
            sp: 0x7fff_0000,
            cfa: None,
            return_address: Some(0x7f00_0000_1234),
            registers: Registers::default(),
            place: Some(place.clone()),
            source: None,
            inlined: None,
        };
        Analysis {
            tid: 0x4d2,
            exception: Exception { kind, address: 0x401139, first_chance: false },
            registers: Registers { rip: 0x401139, ..Registers::default() },
            instruction: None,
            fault_address: fault,
            access,
            null_pointer: fault.is_some_and(|f| f < 0x10000),
            stack: vec![frame],
            blame: Some(Blame { frame: 0, place, image: "crash".into() }),
        }
    }

    #[test]
    fn a_null_write_reads_as_windbg_says_it() {
        let a = analysis(
            ExceptionKind::AccessViolation { fault_address: Some(0), write: Some(true), signal: Some(11) },
            Some(Access::Write),
            Some(0),
        );
        let lines = analysis_lines(&a, Some("crash"), &|_| Some("crash!main+0x13".into()));
        let has = |l: &str| assert!(lines.iter().any(|x| x == l), "no {l:?} in {lines:#?}");
        has("WRITE_ADDRESS:  00000000`00000000 ");
        has("EXCEPTION_CODE_STR:  c0000005");
        has("PRIMARY_PROBLEM_CLASS:  NULL_POINTER_WRITE");
        has("SYMBOL_NAME:  crash!main+13");
        has("MODULE_NAME: crash");
        has("FAILURE_BUCKET_ID:  NULL_POINTER_WRITE_c0000005_crash!main");
        has("00000000`7fff0000 00007f00`00001234     : crash!main+0x13");
        has("Attempt to write to address 00000000`00000000");
    }

    #[test]
    fn other_failures_have_their_own_classes() {
        let divide = analysis(ExceptionKind::IntegerDivideByZero { signal: Some(8) }, None, None);
        assert_eq!(problem_class(&divide), "INTEGER_DIVIDE_BY_ZERO");
        let av = |fault, access| {
            let kind = ExceptionKind::AccessViolation { fault_address: Some(fault), write: None, signal: None };
            problem_class(&analysis(kind, Some(access), Some(fault)))
        };
        assert_eq!(av(0x10, Access::Read), "NULL_POINTER_READ");
        assert_eq!(av(0xdead_0000, Access::Read), "INVALID_POINTER_READ");
        assert_eq!(av(0, Access::Execute), "NULL_INSTRUCTION_PTR");
    }
}
