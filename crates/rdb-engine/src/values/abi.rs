//! Where the x86-64 calling conventions pass parameters, for the one moment the debug information is not yet
//! right about them: a function's prologue, before it has stored its register parameters in their homes (the
//! stack slots gcc's `-O0` DWARF names). There, the true values are still in the registers the caller loaded.
//! Only what the classification makes certain is answered: an integer, character, boolean, enum or pointer
//! parameter in a general register, a `float` or `double` in an XMM register (DWARF numbers xmm0 as 17); a
//! struct's classification is not worked out here, so it and (on System V, where it shifts the rest) every
//! parameter after it stay unknown.

use super::{Type, TypeKind};

/// System V's integer parameter registers, as DWARF numbers them: rdi, rsi, rdx, rcx, r8, r9.
const SYSV: [u16; 6] = [5, 4, 1, 2, 8, 9];
/// Windows x64's parameter slots, as DWARF numbers them: rcx, rdx, r8, r9.
const WINDOWS: [u16; 4] = [2, 1, 8, 9];
/// DWARF's number of xmm0 (xmm1 is 18, ...).
const XMM0: u16 = 17;

/// The DWARF register holding each parameter (of the types given, in order) at a function's entry, where that is
/// certain; `windows` chooses the Microsoft convention.
pub(crate) fn entry_registers(parameters: &[Option<Type>], windows: bool) -> Vec<Option<u16>> {
    let integer = |t: &Option<Type>| {
        t.as_ref().is_some_and(|t| {
            t.size.is_some_and(|s| (1..=8).contains(&s))
                && matches!(
                    t.kind,
                    TypeKind::Base(kind) if kind != super::BaseKind::Float
                ) | matches!(t.kind, TypeKind::Pointer { .. } | TypeKind::Enum { .. })
        })
    };
    let float = |t: &Option<Type>| {
        t.as_ref()
            .is_some_and(|t| matches!(t.kind, TypeKind::Base(super::BaseKind::Float)) && matches!(t.size, Some(4 | 8)))
    };
    if windows {
        // One slot per parameter, whatever its class: the i-th in the i-th integer register or xmm<i>.
        return parameters
            .iter()
            .enumerate()
            .map(|(i, t)| match () {
                _ if integer(t) => WINDOWS.get(i).copied(),
                _ if float(t) && i < 4 => Some(XMM0 + i as u16),
                _ => None,
            })
            .collect();
    }
    let mut next = 0;
    let mut next_float = 0u16;
    let mut certain = true;
    parameters
        .iter()
        .map(|t| {
            if !certain {
                return None;
            }
            if integer(t) {
                let r = SYSV.get(next).copied();
                next += 1;
                r
            } else if float(t) {
                // A float takes the next of xmm0–7 and leaves the integer registers alone.
                let r = (next_float < 8).then_some(XMM0 + next_float);
                next_float += 1;
                r
            } else {
                // Anything else may take some of either: what follows is not certain.
                certain = false;
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::BaseKind;
    use super::*;

    fn t(kind: TypeKind, size: u64) -> Option<Type> {
        Some(Type { name: String::new(), size: Some(size), kind })
    }

    #[test]
    fn system_v_and_windows() {
        let int = t(TypeKind::Base(BaseKind::Signed), 4);
        let ptr = t(TypeKind::Pointer { target: None, reference: false }, 8);
        let dbl = t(TypeKind::Base(BaseKind::Float), 8);
        let rec = t(TypeKind::Record { members: vec![] }, 8);
        let params = [int.clone(), dbl.clone(), ptr.clone(), rec, int.clone()];
        // rdi, xmm0, rsi, (a struct: unknown), and so unknown after it.
        assert_eq!(entry_registers(&params, false), [Some(5), Some(17), Some(4), None, None]);
        // rcx, xmm1, r8, (a struct), (a fifth parameter is on the stack).
        assert_eq!(entry_registers(&params, true), [Some(2), Some(18), Some(8), None, None]);
        let seven = vec![int; 7];
        assert_eq!(entry_registers(&seven, false)[5..], [Some(9), None]);
    }
}
