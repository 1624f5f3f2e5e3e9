//! Exception codes (NTSTATUS) and their parameters, as the engine's [`ExceptionKind`]s.

use rdb_engine::target::{Access, ExceptionKind};

const STATUS_GUARD_PAGE_VIOLATION: u32 = 0x8000_0001;
const STATUS_BREAKPOINT: u32 = 0x8000_0003;
const STATUS_SINGLE_STEP: u32 = 0x8000_0004;
const STATUS_ACCESS_VIOLATION: u32 = 0xc000_0005;
const STATUS_ILLEGAL_INSTRUCTION: u32 = 0xc000_001d;
const STATUS_INTEGER_DIVIDE_BY_ZERO: u32 = 0xc000_0094;

/// The access kind in the first parameter of an access violation or guard-page exception.
fn access(parameter: Option<&usize>) -> Option<Access> {
    match parameter {
        Some(0) => Some(Access::Read),
        Some(1) => Some(Access::Write),
        Some(8) => Some(Access::Execute),
        _ => None,
    }
}

pub fn kind(code: u32, params: &[usize]) -> ExceptionKind {
    let data_address = params.get(1).map(|a| *a as u64);
    match code {
        STATUS_BREAKPOINT => ExceptionKind::Breakpoint,
        STATUS_SINGLE_STEP => ExceptionKind::SingleStep { dr6: 0 },
        STATUS_ACCESS_VIOLATION => ExceptionKind::AccessViolation {
            fault_address: data_address,
            write: access(params.first()).map(|a| a == Access::Write),
            signal: None,
        },
        STATUS_GUARD_PAGE_VIOLATION => {
            ExceptionKind::GuardPage { fault_address: data_address.unwrap_or(0), access: access(params.first()) }
        }
        STATUS_ILLEGAL_INSTRUCTION => ExceptionKind::IllegalInstruction { signal: None },
        STATUS_INTEGER_DIVIDE_BY_ZERO => ExceptionKind::IntegerDivideByZero { signal: None },
        _ => ExceptionKind::Other { code, parameters: params.iter().map(|p| *p as u64).collect() },
    }
}
